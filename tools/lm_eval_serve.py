"""LAMBADA (lm-eval's `lambada_local` task) through `faq serve`, one model directory at a time.

For each MODEL_DIR: starts `faq serve` on a free loopback port, runs lm-evaluation-harness with its
`local-completions` model against it (token-id prompts, echo, logprobs: how users evaluate through
vLLM), stops the server and prints one tab-separated line: name, accuracy, its standard error,
perplexity, seconds. The task (tests/serve/lm_eval/lambada_local.yaml) is lambada_openai's prompt
and metrics on ../shared's copy of the data, so no dataset hub is needed.

usage: lm_eval_serve.py [--faq build/faq] [--shared ../shared] [--limit 200] MODEL_DIR[=NAME] ...
The first model's tokenizer is used for all (quantized copies keep their source's tokenizer).
tests/serve/lm_eval/lambada_through_serve.py imports start_server and lm_eval from here.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

TASK = "lambada_local"
TASK_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "serve", "lm_eval")


def start_server(faq, model_dir, log):
    """`faq serve` on a free port; returns the process and its {host, port, model, base_url} line."""
    server = subprocess.Popen([faq, "serve", "--model", model_dir, "--port", "0", "--max-batch", "8"],
                              stdout=subprocess.PIPE, stderr=log, text=True)
    line = server.stdout.readline()
    if not line:
        server.wait()
        sys.exit(f"faq serve --model {model_dir} printed nothing (exit {server.returncode}); its log: {log.name}")
    return server, json.loads(line)


def lm_eval(run_dir, out_dir, model, model_args, limit):
    """Runs lm-eval in run_dir (whose ../shared is the shared folder); returns its task metrics and seconds."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               HF_DATASETS_CACHE=os.path.join(out_dir, "datasets"))
    cmd = [sys.executable, "-m", "lm_eval", "--model", model, "--model_args", model_args, "--tasks", TASK,
           "--include_path", os.path.abspath(TASK_DIR), "--limit", str(limit), "--batch_size", "8",
           "--output_path", out_dir]
    if model == "hf":
        cmd += ["--device", "cpu"]
    start = time.monotonic()
    done = subprocess.run(cmd, cwd=run_dir, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"lm-eval --model {model} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    results = sorted(glob.glob(os.path.join(out_dir, "**", "results_*.json"), recursive=True))
    if not results:
        sys.exit(f"lm-eval --model {model} wrote no results under {out_dir}")
    with open(results[-1]) as f:
        return json.load(f)["results"][TASK], seconds


def scratch_run_dir(scratch, shared_dir):
    """A working directory whose ../shared is shared_dir: the task reads its data from there."""
    os.symlink(os.path.abspath(shared_dir), os.path.join(scratch, "shared"))
    run_dir = os.path.join(scratch, "run")
    os.mkdir(run_dir)
    return run_dir


def served_model_args(where, tokenizer_dir):
    return (f"base_url={where['base_url']}/completions,model={where['model']},"
            f"tokenizer_backend=huggingface,tokenizer={tokenizer_dir},"
            "num_concurrent=1,max_retries=1,tokenized_requests=True")


def lambada_through_serve(faq, model_dir, tokenizer_dir, run_dir, out_dir, limit):
    """Metrics, seconds and server start seconds of LAMBADA on one model served by faq."""
    with open(os.path.join(out_dir + ".serve.log"), "w") as log:
        start = time.monotonic()
        server, where = start_server(faq, model_dir, log)
        load_seconds = time.monotonic() - start
        try:
            metrics, seconds = lm_eval(run_dir, out_dir, "local-completions", served_model_args(where, tokenizer_dir),
                                       limit)
        finally:
            server.terminate()
            server.wait(timeout=60)
    return metrics, seconds, load_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faq", default="build/faq")
    parser.add_argument("--shared", default=os.environ.get("FAQ_SHARED_DIR", "../shared"))
    parser.add_argument("--limit", type=int, default=200)
    parser.add_argument("models", nargs="+", metavar="MODEL_DIR[=NAME]")
    args = parser.parse_args()
    if not os.path.isfile(os.path.join(args.shared, "data", "lambada", "lambada_test.jsonl")):
        sys.exit(f"no LAMBADA data at {args.shared}/data/lambada/lambada_test.jsonl (--shared)")
    models = [m.split("=", 1) if "=" in m else (m, os.path.basename(os.path.normpath(m))) for m in args.models]
    for model_dir, _ in models:
        if not os.path.isfile(os.path.join(model_dir, "config.json")):
            sys.exit(f"{model_dir}: no config.json (expected a model directory)")
    tokenizer_dir = os.path.abspath(models[0][0])
    with tempfile.TemporaryDirectory(prefix="faq-lambada-") as scratch:
        run_dir = scratch_run_dir(scratch, args.shared)
        for i, (model_dir, name) in enumerate(models):
            metrics, seconds, _ = lambada_through_serve(os.path.abspath(args.faq), os.path.abspath(model_dir),
                                                        tokenizer_dir, run_dir, os.path.join(scratch, f"m{i}"),
                                                        args.limit)
            print(f"{name}\t{metrics['acc,none']:.4f}\t{metrics['acc_stderr,none']:.4f}\t"
                  f"{metrics['perplexity,none']:.3f}\t{seconds:.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
