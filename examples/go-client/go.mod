module example.com/mlcycle-go-client

go 1.23.0

require (
	go.temporal.io/api v1.53.0
	go.temporal.io/sdk v1.37.0
	google.golang.org/protobuf v1.36.6
)
