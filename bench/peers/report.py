#!/usr/bin/env python3
"""One Markdown table per model from run.sh's results.tsv (model tool round wall_s rss_kb rc log)
and ppl.tsv (model tool ppl rc log). Ratios are faq ÷ peer on the best (lowest) wall of the rounds
and the highest peak RSS of the rounds; below 1× faq is faster or smaller.

  report.py results.tsv ppl.tsv --models M... --tools T...
"""
import argparse
import csv
from dataclasses import dataclass, field

NAMES = {"faq": "faq", "gptqmodel": "GPTQModel", "llmcompressor": "llm-compressor", "fp": "unquantized (bf16)"}


@dataclass
class Runs:
    walls: list = field(default_factory=list)   # seconds per round, None where it failed
    rss_kb: list = field(default_factory=list)
    failed_log: str = ""

    def best_wall(self):
        ok = [w for w in self.walls if w is not None]
        return min(ok) if ok and not self.failed_log else None

    def peak_rss_gib(self):
        ok = [r for r in self.rss_kb if r is not None]
        return max(ok) / 2**20 if ok and not self.failed_log else None


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        return [row for row in csv.reader(f, delimiter="\t") if row]


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def collect(results_path):
    runs = {}
    for model, tool, _round, wall, rss, rc, log in read_tsv(results_path):
        r = runs.setdefault((model, tool), Runs())
        ok = rc == "0"
        r.walls.append(number(wall) if ok else None)
        r.rss_kb.append(number(rss) if ok else None)
        if not ok and not r.failed_log:
            r.failed_log = log
    return runs


def ratio(mine, theirs):
    return f"{mine / theirs:.2f}×" if mine is not None and theirs else "–"


def table(model, tools, runs, ppls):
    lines = [f"### {model}", "",
             "| tool | wall s per round | best wall s | peak RSS GiB | ppl | faq ÷ tool, wall | faq ÷ tool, RSS |",
             "|---|---|---|---|---|---|---|"]
    faq = runs.get((model, "faq"), Runs(failed_log="not run"))
    fp_ppl, _ = ppls.get((model, "fp"), ("", ""))
    lines.append(f"| {NAMES['fp']} | – | – | – | {fmt_ppl(fp_ppl)} | – | – |")
    for tool in tools:
        r = runs.get((model, tool), Runs(failed_log="not run"))
        ppl, eval_log = ppls.get((model, tool), ("", ""))
        if r.failed_log:
            lines.append(f"| {NAMES[tool]} | failed (log: `{r.failed_log}`) | – | – | – | – | – |")
            continue
        walls = " / ".join(f"{w:.1f}" for w in r.walls)
        ppl_cell = fmt_ppl(ppl) if ppl else f"eval failed (log: `{eval_log}`)"
        same = tool == "faq"
        lines.append(f"| {NAMES[tool]} | {walls} | {r.best_wall():.1f} | {r.peak_rss_gib():.2f} | {ppl_cell} | "
                     f"{'–' if same else ratio(faq.best_wall(), r.best_wall())} | "
                     f"{'–' if same else ratio(faq.peak_rss_gib(), r.peak_rss_gib())} |")
    return "\n".join(lines) + "\n"


def fmt_ppl(text):
    value = number(text) if text else None
    return f"{value:.2f}" if value is not None else "–"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("ppl")
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--tools", nargs="+", required=True)
    a = ap.parse_args()
    runs = collect(a.results)
    ppls = {(m, t): (p if rc == "0" else "", log) for m, t, p, rc, log in read_tsv(a.ppl)}
    print("\n".join(table(model, a.tools, runs, ppls) for model in a.models))


if __name__ == "__main__":
    main()
