"""LAMBADA through `faq serve` equals lm-evaluation-harness's own Hugging Face backend.

Runs lm-eval's `lambada_local` task (lambada_local.yaml beside this file: lambada_openai's
prompt and metrics on ../shared's copy of the data) on the first LIMIT passages twice: with
`--model local-completions` against a live `faq serve` of the model (loglikelihood requests:
token ids, echo, logprobs), and with `--model hf` on the same directory. Passes when the two
accuracies are within one point. Prints both accuracies and wall times.

usage: lambada_through_serve.py FAQ_BINARY SHARED_DIR [LIMIT]
The model is ${FAQ_CACHE:-~/.cache/faq}/smollm2-135m-instruct, as tools/real_model.sh writes it.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TASK = "lambada_local"


def start_server(faq, model_dir, log):
    server = subprocess.Popen([faq, "serve", "--model", model_dir, "--port", "0", "--max-batch", "8"],
                              stdout=subprocess.PIPE, stderr=log, text=True)
    line = server.stdout.readline()
    if not line:
        server.wait()
        sys.exit(f"faq serve printed nothing (exit {server.returncode}); its log: {log.name}")
    return server, json.loads(line)


def lm_eval(run_dir, out_dir, model, model_args, limit):
    """Runs lm-eval in run_dir (whose ../shared is the shared folder); returns (acc, seconds)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               HF_DATASETS_CACHE=os.path.join(out_dir, "datasets"))
    cmd = [sys.executable, "-m", "lm_eval", "--model", model, "--model_args", model_args, "--tasks", TASK,
           "--include_path", HERE, "--limit", str(limit), "--batch_size", "8", "--output_path", out_dir]
    if model == "hf":
        cmd += ["--device", "cpu"]
    start = time.monotonic()
    done = subprocess.run(cmd, cwd=run_dir, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"lm-eval --model {model} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    print("\n".join(done.stdout.strip().splitlines()[-4:]))
    results = sorted(glob.glob(os.path.join(out_dir, "**", "results_*.json"), recursive=True))
    if not results:
        sys.exit(f"lm-eval --model {model} wrote no results under {out_dir}")
    with open(results[-1]) as f:
        metrics = json.load(f)["results"][TASK]
    return metrics["acc,none"], metrics["perplexity,none"], seconds


def main(faq, shared_dir, limit=200):
    cache = os.environ.get("FAQ_CACHE") or os.path.expanduser("~/.cache/faq")
    model_dir = os.path.join(cache, "smollm2-135m-instruct")
    if not os.path.isfile(os.path.join(model_dir, "config.json")):
        sys.exit(f"no model at {model_dir}: run tools/real_model.sh (make real-model) first")
    data = os.path.join(shared_dir, "data", "lambada", "lambada_test.jsonl")
    if not os.path.isfile(data):
        sys.exit(f"no LAMBADA data at {data}")
    with tempfile.TemporaryDirectory(prefix="faq-lambada-") as scratch:
        # The task reads ../shared/data/lambada/lambada_test.jsonl from its working directory.
        os.symlink(os.path.abspath(shared_dir), os.path.join(scratch, "shared"))
        run_dir = os.path.join(scratch, "run")
        os.mkdir(run_dir)
        with open(os.path.join(scratch, "serve.log"), "w") as log:
            start = time.monotonic()
            server, where = start_server(faq, model_dir, log)
            load_seconds = time.monotonic() - start
            try:
                served = lm_eval(run_dir, os.path.join(scratch, "served"), "local-completions",
                                 f"base_url={where['base_url']}/completions,model={where['model']},"
                                 f"tokenizer_backend=huggingface,tokenizer={model_dir},"
                                 "num_concurrent=1,max_retries=1,tokenized_requests=True", limit)
            finally:
                server.terminate()
                server.wait(timeout=60)
        hf = lm_eval(run_dir, os.path.join(scratch, "hf"), "hf", f"pretrained={model_dir},dtype=float32", limit)
    print(f"LAMBADA ({limit} passages): faq serve acc {served[0]:.4f} ppl {served[1]:.3f} "
          f"({served[2]:.0f} s, server start {load_seconds:.0f} s); "
          f"lm-eval hf acc {hf[0]:.4f} ppl {hf[1]:.3f} ({hf[2]:.0f} s)")
    if abs(served[0] - hf[0]) > 0.01:
        print("0 passed, 1 failed: the accuracies differ by more than one point")
        return 1
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:3], *(int(a) for a in sys.argv[3:4])))
