# Peer GBDTs for bench/gbdt.ts: trains LightGBM and scikit-learn HistGradientBoosting (one thread) on the tasks it wrote:
# classification (LightGBM binary/multiclass, HistGradientBoostingClassifier) and regression (LightGBM objective
# "regression" = L2, HistGradientBoostingRegressor with loss="squared_error").
#
# Usage (normally started by bench/gbdt.ts): python3 bench/gbdt_peers.py DIR
# DIR/tasks.json lists tasks; each task has float64 files (column-major x: features × rows) and the
# settings to mirror (NaN = missing, passed through as NaN). Writes DIR/<task>.<peer>.proba (float64 class
# probabilities, rows × classes, row-major) or, for regression, DIR/<task>.<peer>.pred (float64, one value a row) and prints
# one JSON object: versions and, per task and peer, training wall and CPU seconds (fastest of the
# task's "repeat" runs) or an error.
# Needs lightgbm, scikit-learn and numpy: bench/gbdtPeer.ts installs them (pinned) into the venv .tools/gbdt-py.

import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def load_matrix(path, rows, features):
    data = np.fromfile(path, dtype=np.float64)
    return np.ascontiguousarray(data.reshape(features, rows).T)


def lightgbm_fit(task, x, y):
    import lightgbm as lgb

    s = task["settings"]
    params = {
        "objective": {"regression": "regression", "binary": "binary", "multiclass": "multiclass"}[task["objective"]],
        "num_threads": 1,
        "learning_rate": s["learningRate"],
        "num_leaves": s["maxLeaves"],
        "max_depth": s["maxDepth"] if s["maxDepth"] > 0 else -1,
        "max_bin": s["maxBins"],
        "min_data_in_leaf": s["minSamplesLeaf"],
        "min_sum_hessian_in_leaf": s["minChildWeight"],
        "lambda_l2": s["lambda"],
        "min_gain_to_split": s["minSplitGain"],
        "bagging_fraction": 1.0,
        "feature_fraction": 1.0,
        "verbose": -1,
        "seed": 0,
    }
    if task["objective"] == "multiclass":
        params["num_class"] = task["numClass"]
    dataset = lgb.Dataset(x, y, params={"max_bin": s["maxBins"], "verbose": -1})
    booster = lgb.train(params, dataset, num_boost_round=s["nEstimators"])
    return lambda xt: booster.predict(xt)


def sklearn_fit(task, x, y):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    s = task["settings"]
    common = dict(
        learning_rate=s["learningRate"],
        max_iter=s["nEstimators"],
        max_leaf_nodes=s["maxLeaves"],
        max_depth=s["maxDepth"] if s["maxDepth"] > 0 else None,
        max_bins=s["maxBins"],
        min_samples_leaf=s["minSamplesLeaf"],
        l2_regularization=s["lambda"],
        early_stopping=False,
        random_state=0,
    )
    if task["objective"] == "regression":
        model = HistGradientBoostingRegressor(loss="squared_error", **common).fit(x, y)
        return lambda xt: model.predict(xt)
    model = HistGradientBoostingClassifier(**common).fit(x, y.astype(np.int64))
    return lambda xt: model.predict_proba(xt)


def run(directory):
    with open(os.path.join(directory, "tasks.json")) as f:
        tasks = json.load(f)
    out = {"versions": {"python": sys.version.split()[0], "numpy": np.__version__}, "tasks": {}}
    for peer, module in (("lightgbm", "lightgbm"), ("sklearn", "sklearn")):
        try:
            out["versions"][peer] = __import__(module).__version__
        except Exception as err:  # noqa: BLE001 - report any import failure
            out["versions"][peer] = f"unavailable: {err}"
    for task in tasks:
        name = task["name"]
        base = os.path.join(directory, name)
        x = load_matrix(base + ".xtrain", task["trainRows"], task["features"])
        y = np.fromfile(base + ".ytrain", dtype=np.float64)
        xt = load_matrix(base + ".xtest", task["testRows"], task["features"])
        results = {}
        for peer, fit in (("lightgbm", lightgbm_fit), ("sklearn", sklearn_fit)):
            if peer not in task["peers"]:
                continue
            try:
                best = None
                for _ in range(task.get("repeat", 1)):
                    wall, cpu = time.perf_counter(), time.process_time()
                    predict = fit(task, x, y)
                    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                    if best is None or wall < best[0]:
                        best = (wall, cpu)
                wall, cpu = best
                pred = np.asarray(predict(xt), dtype=np.float64)
                if task["objective"] == "regression":
                    pred.tofile(f"{base}.{peer}.pred")
                else:
                    if task["objective"] == "binary" and pred.ndim == 1:
                        pred = np.stack([1 - pred, pred], axis=1)
                    pred.tofile(f"{base}.{peer}.proba")
                results[peer] = {"wallSeconds": wall, "cpuSeconds": cpu}
            except Exception as err:  # noqa: BLE001 - the bench reports the peer as unavailable
                results[peer] = {"error": f"{type(err).__name__}: {err}"}
        out["tasks"][name] = results
    print(json.dumps(out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 bench/gbdt_peers.py DIR")
    run(sys.argv[1])
