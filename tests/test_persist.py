"""Saved routers: ``router.save`` / ``routerkit.routers.load`` give back the same decisions, without pickle, and
refuse files from another version or damaged ones with a clear error; ``routerkit route`` routes new prompts."""
import hashlib
import io
import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

import routerkit as rk
from routerkit.cli import main
from routerkit.routers import persist
from routerkit.routers.base import NotFittedError

LAMS = np.r_[0.0, np.geomspace(1e-2, 1e5, 30)]
ROUTERS = [n for n in rk.routers.available() if not n.startswith("single:") and n != "finetuned"]


@pytest.fixture(scope="module")
def split():
    return rk.train_test_split(rk.simulate(900, seed=4), seed=0)


def text_data(n: int, seed: int) -> rk.RoutingData:
    """Prompts whose words say which of three models answers them (model 2, the dearest, is best on average)."""
    rng = np.random.default_rng(seed)
    words = [["integral", "algebra", "prime"], ["python", "debug", "loop"], ["sonnet", "rhyme", "verse"]]
    topic = rng.choice(3, size=n, p=[0.3, 0.3, 0.4])
    prompts = [" ".join(rng.choice(words[t], size=2)) + f" please {rng.integers(50)}" for t in topic]
    scores = (rng.random((n, 3)) < 0.2).astype(float)
    scores[np.arange(n), topic] = 1.0
    return rk.RoutingData(scores=scores, costs=np.tile([1e-4, 2e-4, 3e-4], (n, 1)), models=["m0", "m1", "m2"],
                          tasks=np.array(["maths", "code", "poetry"], dtype=object)[topic],
                          prompts=np.array(prompts, dtype=object))


@pytest.fixture(scope="module")
def text_router(tmp_path_factory):
    train = text_data(300, seed=0)
    router = rk.routers.make("knn", k=10).fit(train)
    path = router.save(tmp_path_factory.mktemp("saved") / "knn.router")
    return router, path


@pytest.mark.parametrize("name", ROUTERS + ["single:" + rk.simulate(10, seed=0).models[0]])
def test_a_loaded_router_decides_as_the_fitted_one(name, split, tmp_path):
    train, test = split
    router = rk.routers.make(name).fit(train)
    loaded = rk.routers.load(router.save(tmp_path / "r.router"))
    assert type(loaded) is type(router) and loaded.get_params() == router.get_params()
    np.testing.assert_array_equal(loaded.predict(test), router.predict(test))
    np.testing.assert_array_equal(loaded.route(test, LAMS), router.route(test, LAMS))
    np.testing.assert_array_equal(loaded.cost_estimate(test), router.cost_estimate(test))
    assert loaded.models_ == router.models_ and loaded.top_model_ == router.top_model_


def test_a_text_router_keeps_its_encoder(text_router):
    router, path = text_router
    loaded = rk.routers.load(path)
    new = ["prime algebra please 3", "debug python now", "a sonnet that rhymes", "something else entirely"]
    np.testing.assert_array_equal(loaded.encoder_.transform(new), router.encoder_.transform(new))
    for lam in (0.0, 1e3, 1e5):
        np.testing.assert_array_equal(loaded.route_prompts(new, lam, tasks=["maths", "code", "poetry", "maths"]),
                                      router.route_prompts(new, lam, tasks=["maths", "code", "poetry", "maths"]))


def test_the_file_holds_json_arrays_and_skops_only_and_loads_without_pickle(text_router, monkeypatch):
    _, path = text_router
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("router.json"))
        for name in names:
            assert name == "router.json" or name.startswith(("arrays/", "sklearn/")), name
            if name.endswith(".npy"):
                np.load(io.BytesIO(archive.read(name)), allow_pickle=False)
    assert manifest["routerkit_version"] == rk.__version__ and manifest["router"] == "knn"
    assert set(manifest["sha256"]) == set(names) - {"router.json"}

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used while loading a router")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    assert rk.routers.load(path).route_prompts(["debug python"], 0.0, tasks=["code"]).shape == (1,)


def rewrite(path, out, change_manifest=None, change_member=None):
    """A copy of a saved router with its manifest or one member altered (digests kept as they were)."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            blob = src.read(name)
            if name == "router.json" and change_manifest:
                manifest = json.loads(blob)
                change_manifest(manifest)
                blob = json.dumps(manifest).encode()
            elif change_member and name.startswith(change_member[0]):
                blob = change_member[1](blob)
                change_member = None
            dst.writestr(name, blob)
    return out


def test_another_version_is_refused_naming_both(text_router, tmp_path):
    _, path = text_router
    old = rewrite(path, tmp_path / "old.router", lambda m: m.update(routerkit_version="0.0.9"))
    with pytest.raises(ValueError, match=r"saved by routerkit 0\.0\.9 and this is routerkit " + rk.__version__):
        rk.routers.load(old)


@pytest.mark.parametrize("damage, message", [
    ("truncate", "not a readable routerkit router"),
    ("not_zip", "not a zip file"),
    ("flip_array", "does not match its sha256"),
    ("foreign_class", "not a routerkit class"),
    ("no_manifest", "has no router.json"),
    ("other_format", "does not describe a routerkit router"),
    ("newer_format", "router format version 2 and this routerkit reads version 1"),
])
def test_a_damaged_file_is_refused(damage, message, text_router, tmp_path):
    _, path = text_router
    bad = tmp_path / "bad.router"
    blob = path.read_bytes()
    if damage == "truncate":
        bad.write_bytes(blob[: len(blob) // 2])
    elif damage == "not_zip":
        bad.write_text("query_id,model,score,cost\n")
    elif damage == "flip_array":
        rewrite(path, bad, change_member=("arrays/", lambda b: b[:-1] + bytes([b[-1] ^ 1])))
    elif damage == "foreign_class":
        rewrite(path, bad, lambda m: m["state"].update({"__object__": "os:system"}))
    elif damage == "no_manifest":
        with zipfile.ZipFile(bad, "w") as archive:
            archive.writestr("other.json", "{}")
    elif damage == "other_format":
        rewrite(path, bad, lambda m: m.update(format="something.else"))
    elif damage == "newer_format":
        rewrite(path, bad, lambda m: m.update(format_version=2))
    with pytest.raises(ValueError, match=message):
        rk.routers.load(bad)


def test_a_skops_member_with_foreign_types_is_refused(tmp_path, split):
    import os

    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    router = rk.routers.make("cluster_best", n_clusters=3).fit(split[0])
    path = router.save(tmp_path / "c.router")
    evil = sio.dumps(FunctionTransformer(func=os.system))

    def swap(manifest):
        name = next(n for n in manifest["sha256"] if n.startswith("sklearn/"))
        manifest["sha256"][name] = hashlib.sha256(evil).hexdigest()

    bad = rewrite(path, tmp_path / "evil.router", swap, ("sklearn/", lambda b: evil))
    with pytest.raises(ValueError, match="types routerkit does not load"):
        rk.routers.load(bad)


def test_save_errors_and_a_failed_save_keeps_the_old_file(split, tmp_path, monkeypatch):
    with pytest.raises(NotFittedError):
        rk.routers.make("knn").save(tmp_path / "x.router")
    router = rk.routers.make("task_best").fit(split[0])
    with pytest.raises(ValueError, match="is a folder"):
        router.save(tmp_path)
    with pytest.raises(FileNotFoundError, match="no saved router"):
        rk.routers.load(tmp_path / "absent.router")
    path = router.save(tmp_path / "t.router")
    before = path.read_bytes()

    def fail(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", fail)
    with pytest.raises(OSError, match="disk full"):
        router.save(path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["t.router"]


# -- the command line -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("route")
    data = text_data(700, seed=2)
    frame = pd.DataFrame({"query_id": np.repeat([f"q{i}" for i in range(len(data))], 3),
                          "model": data.models * len(data), "score": data.scores.ravel(),
                          "cost": data.costs.ravel(), "task": np.repeat(data.tasks, 3),
                          "prompt": np.repeat(data.prompts, 3)})
    csv = folder / "results.csv"
    frame.to_csv(csv, index=False)
    assert main(["calibrate", "--data", str(csv), "--router", "knn", "--param", "knn.k=10",
                 "--target-cost", "0.0002", "--save", str(folder / "knn.router"),
                 "--json", str(folder / "cal.json"), "--progress", "off"]) == 0
    return folder


def test_calibrate_save_then_route(calibrated, capsys):
    folder = calibrated
    cal = json.loads((folder / "cal.json").read_text())
    assert cal["saved"] == str(folder / "knn.router")
    lines = [{"id": "a", "prompt": "solve this integral", "task": "maths"},
             {"id": "b", "prompt": "python loop debug", "task": "code"},
             {"id": "c", "prompt": "a verse that rhymes", "task": "poetry"}]
    (folder / "new.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    capsys.readouterr()
    assert main(["route", "--router", str(folder / "knn.router"), "--prompts", str(folder / "new.jsonl"),
                 "--budget", str(cal["lam"]), "--out", str(folder / "choices.jsonl")]) == 0
    assert "routed 3 prompts with knn" in capsys.readouterr().err
    (folder / "one.jsonl").write_text('"solve this integral"\n')
    assert main(["route", "--router", str(folder / "knn.router"), "--prompts", str(folder / "one.jsonl"),
                 "--budget", "0"]) == 0
    assert "routed 1 prompt with knn" in capsys.readouterr().err
    got = [json.loads(x) for x in (folder / "choices.jsonl").read_text().splitlines()]
    router = rk.routers.load(folder / "knn.router")
    want = router.route_prompts([x["prompt"] for x in lines], cal["lam"], tasks=[x["task"] for x in lines])
    assert got == [{"id": x["id"], "model": router.models_[c]} for x, c in zip(lines, want)]


def test_route_reads_plain_strings_and_warns_without_tasks(calibrated, capsys):
    folder = calibrated
    (folder / "plain.jsonl").write_text('"solve this integral"\n\n"python loop debug"\n')
    assert main(["route", "--router", str(folder / "knn.router"), "--prompts", str(folder / "plain.jsonl"),
                 "--budget", "0"]) == 0
    out, err = capsys.readouterr()
    assert [json.loads(x)["id"] for x in out.splitlines()] == [1, 3]
    assert "warning: 'knn' learned its cost estimates per task" in err and "give each line a task" in err


@pytest.mark.parametrize("content, args, message", [
    ('{"prompt": 3}\n', [], "line 1: the prompt must be a string"),
    ("not json\n", [], "line 1: not JSON"),
    ("\n\n", [], "holds no prompts"),
    ('{"prompt": "x", "task": "maths"}\n"y"\n', [], "some lines give a task and others do not (line 2 does not)"),
    ('{"prompt": "x"}\n{"prompt": "y", "id": 7}\n', [], "some lines give an id and others do not (line 2 does)"),
    ('{"prompt": "x", "id": "a"}\n\n{"prompt": "y", "id": "a"}\n', [], "id 'a' on lines 1 and 3"),
    ('{"text": "x"}\n', [], "line 1: an object needs a 'prompt' key (it has 'text')"),
    ('"x"\n', ["--out", "SELF"], "is the input file"),
    ('"x"\n', ["--router", "PROMPTS"], "not a readable routerkit router"),
    ('"x"\n', ["--router", "OLD"], "saved by routerkit 0.0.9"),
])
def test_route_bad_input_is_one_line_and_exit_2(content, args, message, calibrated, tmp_path, capsys):
    prompts = tmp_path / "p.jsonl"
    prompts.write_text(content)
    router = calibrated / "knn.router"
    if "OLD" in args:
        router = rewrite(router, tmp_path / "old.router", lambda m: m.update(routerkit_version="0.0.9"))
    swap = {"SELF": str(prompts), "PROMPTS": str(prompts), "OLD": str(router)}
    args = [swap.get(a, a) for a in args]
    argv = ["route", "--router", str(router), "--prompts", str(prompts), "--budget", "1"]
    for flag, value in zip(args[::2], args[1::2]):
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv += [flag, value]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("routerkit: error:") == 1 and message in err and "Traceback" not in err, err
