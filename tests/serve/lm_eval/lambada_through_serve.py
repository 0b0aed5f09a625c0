"""LAMBADA through `faq serve` equals lm-evaluation-harness's own Hugging Face backend.

Runs lm-eval's `lambada_local` task (lambada_local.yaml beside this file: lambada_openai's
prompt and metrics on ../shared's copy of the data) on the first LIMIT passages twice: with
`--model local-completions` against a live `faq serve` of the model (loglikelihood requests:
token ids, echo, logprobs), and with `--model hf` on the same directory. Passes when the two
accuracies are within one point. Prints both accuracies and wall times.

usage: lambada_through_serve.py FAQ_BINARY SHARED_DIR [LIMIT]
The model is ${FAQ_CACHE:-~/.cache/faq}/smollm2-135m-instruct, as tools/real_model.sh writes it.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools"))
from lm_eval_serve import lambada_through_serve, lm_eval, scratch_run_dir  # noqa: E402


def main(faq, shared_dir, limit=200):
    cache = os.environ.get("FAQ_CACHE") or os.path.expanduser("~/.cache/faq")
    model_dir = os.path.join(cache, "smollm2-135m-instruct")
    if not os.path.isfile(os.path.join(model_dir, "config.json")):
        sys.exit(f"no model at {model_dir}: run tools/real_model.sh (make real-model) first")
    data = os.path.join(shared_dir, "data", "lambada", "lambada_test.jsonl")
    if not os.path.isfile(data):
        sys.exit(f"no LAMBADA data at {data}")
    with tempfile.TemporaryDirectory(prefix="faq-lambada-") as scratch:
        run_dir = scratch_run_dir(scratch, shared_dir)
        metrics, seconds, load_seconds = lambada_through_serve(faq, model_dir, model_dir, run_dir,
                                                               os.path.join(scratch, "served"), limit)
        served = metrics["acc,none"], metrics["perplexity,none"], seconds
        metrics, seconds = lm_eval(run_dir, os.path.join(scratch, "hf"), "hf", f"pretrained={model_dir},dtype=float32",
                                   limit)
        hf = metrics["acc,none"], metrics["perplexity,none"], seconds
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
