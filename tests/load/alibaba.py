"""A small trace in the shape of Alibaba's GenAI serving trace: ``gmt_create`` date-times
without a zone, ``prompt_length`` token counts, and columns we do not read around them.

The rows are made up (shape only): the real file is not redistributable here. Two rows
arrive out of order and two share a second, as they do in real logs.
"""

from __future__ import annotations

from pathlib import Path

ALIBABA_CSV = """\
request_id,gmt_create,model_name,prompt_length,output_length,status
r-0001,2024-11-15 16:57:50,qwen-72b,812,95,ok
r-0002,2024-11-15 16:57:50,qwen-72b,64,12,ok
r-0003,2024-11-15 16:57:52,qwen-7b,1530,210,ok
r-0005,2024-11-15 16:58:07,qwen-72b,97,40,ok
r-0004,2024-11-15 16:57:59,qwen-7b,2048,5,timeout
r-0006,2024-11-15 16:58:07,qwen-72b,300,64,ok
r-0007,2024-11-15 16:59:01,qwen-7b,45,8,ok
r-0008,2024-11-15 16:59:02,qwen-72b,3999,512,ok
"""
ALIBABA_TIMES = [0.0, 0.0, 2.0, 9.0, 17.0, 17.0, 71.0, 72.0]
"""Seconds from the first request, in time order (r-0004 sorts before r-0005)."""
ALIBABA_SIZES = [812, 64, 1530, 2048, 97, 300, 45, 3999]
ALIBABA_FLAGS = ("--time-column", "gmt_create", "--size-column", "prompt_length")


def write_alibaba(folder: Path, name: str = "alibaba_genai.csv") -> Path:
    """The trace written into ``folder``; returns its path."""
    path = folder / name
    path.write_text(ALIBABA_CSV, encoding="utf-8")
    return path
