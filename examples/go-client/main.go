// A Go service starts mlcycle's workflows by type name, through mlcycle's payload codec (shown in the README; not run by the tests).
package main

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log"
	"os"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// mlcycleCodec seals payloads as mlcycle does: AES-256-GCM, the key id as authenticated data, IV ‖ ciphertext ‖ tag.
type mlcycleCodec struct {
	keyID string
	aead  cipher.AEAD
}

func newCodec(keys string) (*mlcycleCodec, error) { // MLCYCLE_CODEC_KEYS's first entry, "id:base64-of-32-bytes"
	id, encoded, _ := strings.Cut(strings.Split(keys, ",")[0], ":")
	key, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("codec key %q: entries are id:base64-of-32-bytes", id)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	return &mlcycleCodec{keyID: id, aead: aead}, err
}

func (c *mlcycleCodec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, err
		}
		iv := make([]byte, 12)
		if _, err := rand.Read(iv); err != nil {
			return nil, err
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{"encoding": []byte("binary/encrypted"), "encryption-key-id": []byte(c.keyID)},
			Data:     c.aead.Seal(iv, iv, plain, []byte(c.keyID)),
		}
	}
	return out, nil
}

func (c *mlcycleCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.Metadata["encoding"]) != "binary/encrypted" {
			out[i] = p // recorded before the codec was on
			continue
		}
		if id := string(p.Metadata["encryption-key-id"]); id != c.keyID || len(p.Data) < 28 {
			return nil, fmt.Errorf("payload sealed with key %q, which is not configured (or malformed)", id)
		}
		plain, err := c.aead.Open(nil, p.Data[:12], p.Data[12:], []byte(c.keyID))
		if err != nil {
			return nil, err
		}
		var original commonpb.Payload
		if err := proto.Unmarshal(plain, &original); err != nil {
			return nil, err
		}
		out[i] = &original
	}
	return out, nil
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func main() {
	ctx := context.Background()
	codec, err := newCodec(os.Getenv("MLCYCLE_CODEC_KEYS"))
	must(err)
	c, err := client.Dial(client.Options{
		HostPort:      os.Getenv("TEMPORAL_ADDRESS"),
		Namespace:     "default",
		DataConverter: converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), codec),
	})
	must(err)
	defer c.Close()

	// A lifecycle run of a stored definition (name@version, as `mlcycle run` prints it).
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "lifecycle:seattle-weather:2026-12-07", TaskQueue: "mlcycle"},
		"lifecycleWorkflow", map[string]any{
			"pipeline":     map[string]string{"name": "seattle-weather", "version": "3f2a…"},
			"source":       map[string]string{"kind": "file", "path": "/data/weather.csv"},
			"sourceDigest": nil, "dataVersion": "2026-12-07", "reason": "started from Go", "noCache": false,
		})
	must(err)
	var result struct {
		Model struct {
			Name    string `json:"name"`
			Version int    `json:"version"`
		} `json:"model"`
	}
	must(run.Get(ctx, &result))

	// A batch score with that version.
	job, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "score:seattle-weather:go-2026-12-07", TaskQueue: "mlcycle"},
		"batchScoreWorkflow", map[string]any{
			"model": result.Model.Name, "version": result.Model.Version, "source": "/data/day.parquet",
			"output": "/data/day.scored.parquet", "format": "parquet", "chunkRows": 50000,
		})
	must(err)
	var scored struct {
		Rows int `json:"rows"`
	}
	must(job.Get(ctx, &scored))

	// A rollout Update (pause, resume, promote, rollback, setTraffic); it answers the state after it.
	update, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: "rollout:seattle-weather", UpdateName: "pause", WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{map[string]string{"actor": "svc:go", "reason": "paused from Go"}},
	})
	must(err)
	var state struct {
		Status string `json:"status"`
	}
	must(update.Get(ctx, &state))
	fmt.Println(result.Model.Version, scored.Rows, state.Status)
}
