#!/usr/bin/env python3
"""GPTQModel's side of the peers benchmark (issue 15): GPTQ w4 g128 sym, no act-order, damp 0.01,
on the CPU, through GPTQModel's ordinary API (GPTQModel.load → quantize → save); with
--method gptaq, its GPTAQ (GPTAQConfig, alpha 0.25).

  gptqmodel_quantize.py --model DIR --calib calib.jsonl --nsamples N --seqlen L --out DIR [--method gptaq]

Run with the interpreter of the venv bench/peers/setup_venvs.sh made. GPTQModel's defaults stay
(bf16 weights, batch_size 1, offload to disk), except where they would change the algorithm from
the one faq runs: damp_percent 0.01 (GPTQModel: 0.05), desc_act False, act_group_aware False
(GPTQModel turns group-aware reordering on by default for GPTQ), true_sequential False (one
calibration pass per layer, as faq and llm-compressor do). Set GPTQMODEL_CPU_WORKERS (run.sh: 2)
to match the cores faq gets.
"""
import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from calib_ids import peer_args, read_calib_ids  # noqa: E402


def main() -> None:
    a = peer_args(__doc__)
    os.environ.setdefault("GPTQMODEL_CPU_WORKERS", "2")

    from gptqmodel import GPTAQConfig, GPTQConfig, GPTQModel  # after the environment is set: read on import

    calibration = [{"input_ids": ids, "attention_mask": [1] * len(ids)}
                   for ids in read_calib_ids(a.calib, a.nsamples, a.seqlen)]
    config = GPTQConfig(bits=4, group_size=128, sym=True, desc_act=False, act_group_aware=False,
                        true_sequential=False, damp_percent=0.01,
                        gptaq=GPTAQConfig(alpha=0.25) if a.method == "gptaq" else None)
    model = GPTQModel.load(a.model, config, device="cpu")
    model.quantize(calibration, batch_size=1)
    model.save(a.out)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
