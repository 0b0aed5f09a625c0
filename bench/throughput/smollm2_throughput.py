"""faq's forward pass against transformers' on SmolLM2-135M-Instruct, in one run, same dtype (fp32):

  eval    `faq eval ppl` over N windows of 2048 WikiText-2 tokens vs a transformers loop over the
          same windows (one forward each, the same loss): tokens/s and perplexity;
  decode  `faq serve` (one request, then 8 concurrent) vs transformers `generate` (batch 1, then a
          left-padded batch of 8), greedy, the same chat prompts, 128 new tokens at most:
          generated tokens/s.

usage: smollm2_throughput.py [--faq build/faq] [--model DIR] [--shared ../shared] [--windows 8]
       [--threads 2]
Prints a Markdown table with the ratios (faq ÷ transformers). Time it on a quiet machine.
"""
import argparse
import concurrent.futures
import json
import math
import os
import subprocess
import sys
import time
import urllib.request

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = [
    "Explain why the sky is blue in three sentences.",
    "Write a short poem about a lighthouse.",
    "What are the main differences between a list and a tuple in Python?",
    "Give me a recipe for pancakes.",
    "Summarise the plot of Romeo and Juliet.",
    "How does a refrigerator keep food cold?",
    "List five tips for learning a new language.",
    "Describe the water cycle to a ten-year-old.",
]
NEW_TOKENS = 128


def faq_eval(faq, model, data, windows, threads):
    out = subprocess.run([faq, "--threads", str(threads), "eval", "ppl", "--model", model, "--data", data,
                          "--seqlen", "2048", "--max-windows", str(windows), "--json"],
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["tokens"] / result["seconds"], result["ppl"]


def hf_eval(model, tokenizer, data, windows):
    # newline="": the file's CRLF line ends stay, as faq reads them (text mode would drop 2891 "\r"
    # and shift every window after the first line).
    with open(data, encoding="utf-8", newline="") as f:
        ids = tokenizer(f.read(), return_tensors="pt").input_ids[0]
    nll, tokens = 0.0, 0
    start = time.monotonic()
    with torch.inference_mode():
        for w in range(windows):
            chunk = ids[w * 2048:(w + 1) * 2048].unsqueeze(0)
            logits = model(chunk).logits[0, :-1].float()
            nll += torch.nn.functional.cross_entropy(logits, chunk[0, 1:], reduction="sum").item()
            tokens += chunk.size(1) - 1
    return tokens / (time.monotonic() - start), math.exp(nll / tokens)


def chat(base_url, prompt):
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": prompt}], "max_tokens": NEW_TOKENS,
                       "temperature": 0}).encode()
    request = urllib.request.Request(base_url + "/chat/completions", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=3600) as response:
        return json.load(response)["usage"]["completion_tokens"]


def faq_decode(faq, model, threads, streams):
    server = subprocess.Popen([faq, "--threads", str(threads), "serve", "--model", model, "--port", "0",
                               "--served-model-name", "m", "--max-batch", "8"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base_url = json.loads(server.stdout.readline())["base_url"]
        chat(base_url, "Hello")  # warm-up
        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(streams) as pool:
            tokens = sum(pool.map(lambda p: chat(base_url, p), PROMPTS[:streams]))
        return tokens / (time.monotonic() - start)
    finally:
        server.terminate()
        server.wait()


def hf_decode(model, tokenizer, streams):
    tokenizer.padding_side = "left"
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True)
             for p in PROMPTS[:streams]]
    batch = tokenizer(texts, return_tensors="pt", padding=True)
    with torch.inference_mode():
        model.generate(**tokenizer(texts[:1], return_tensors="pt"), max_new_tokens=4, do_sample=False)  # warm-up
        start = time.monotonic()
        out = model.generate(**batch, max_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        seconds = time.monotonic() - start
    new = out[:, batch.input_ids.size(1):]
    # Tokens up to and including each row's first end-of-sequence: what a server would return.
    eos = tokenizer.eos_token_id
    tokens = 0
    for row in new.tolist():
        tokens += row.index(eos) + 1 if eos in row else len(row)
    return tokens / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faq", default="build/faq")
    parser.add_argument("--model", default=os.path.join(os.environ.get("FAQ_CACHE", os.path.expanduser("~/.cache/faq")),
                                                        "smollm2-135m-instruct"))
    parser.add_argument("--shared", default=os.environ.get("FAQ_SHARED_DIR", "../shared"))
    parser.add_argument("--windows", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = os.path.join(args.shared, "data", "wikitext2", "wiki.test.raw")
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    rows = []
    faq_rate, faq_ppl = faq_eval(args.faq, args.model, data, args.windows, args.threads)
    hf_rate, hf_ppl = hf_eval(model, tokenizer, data, args.windows)
    rows.append((f"eval ppl, {args.windows} × 2048 tokens (ppl {faq_ppl:.3f} / {hf_ppl:.3f})", faq_rate, hf_rate))
    for streams in (1, 8):
        faq_rate = faq_decode(args.faq, args.model, args.threads, streams)
        hf_rate = hf_decode(model, tokenizer, streams)
        rows.append((f"decode, {streams} stream{'s' if streams > 1 else ''}, ≤ {NEW_TOKENS} new tokens", faq_rate, hf_rate))
    print(f"SmolLM2-135M-Instruct, fp32, {args.threads} threads, torch {torch.__version__}; load {os.getloadavg()[0]:.2f}")
    print("\n| what | faq tokens/s | transformers tokens/s | faq ÷ transformers |\n|---|---|---|---|")
    for what, faq_rate, hf_rate in rows:
        print(f"| {what} | {faq_rate:.1f} | {hf_rate:.1f} | {faq_rate / hf_rate:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
