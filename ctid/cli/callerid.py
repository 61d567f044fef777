"""``ctid callerid decode FILE.wav``: the software voice card's decoder on a recording, for installers."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ctid.cli import EXIT_FAILED
from ctid.voicecard.dsp.report import heard_json
from ctid.voicecard.dsp.wavfile import WavError, decode_wav


def decode(args: argparse.Namespace) -> int:
    """One JSON line per caller ID heard (``number``, ``name``, ``reason``, ``format``, ``time_s``)."""
    found = 0
    try:
        info, heard = decode_wav(Path(args.file), args.plan)
        for item in heard:
            line = heard_json(item, verbose=args.verbose)
            if line is not None:
                found += "number" in line
                print(json.dumps(line, ensure_ascii=False), flush=True)
    except WavError as exc:
        print(f"ctid: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{args.file}: {found} caller ID(s) in {info.seconds:.1f} s of audio", file=sys.stderr)
    return 0
