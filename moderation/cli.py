"""``huddle train-classifier | eval-classifier | classify``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _classify(args: argparse.Namespace) -> int:
    from moderation.classify_stream import classify_stream

    return classify_stream(sys.stdin, sys.stdout, kind=args.analyzer, batch_size=args.batch_size)


def _train(args: argparse.Namespace) -> int:
    from moderation.train import train

    train()
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from moderation.evaluate import evaluate

    evaluate()
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="huddle")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("train-classifier", help="rebuild moderation/model from the training data")
    sub.add_parser("eval-classifier", help="write docs/classifier-report.md")
    classify = sub.add_parser("classify", help='JSON lines {"text": ...} in, assessments out')
    classify.add_argument("--analyzer", default="onnx", choices=["onnx", "keyword", "noop"])
    classify.add_argument("--batch-size", type=int, default=64)
    return parser


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    handler = {"train-classifier": _train, "eval-classifier": _evaluate, "classify": _classify}
    return handler[args.command](args)
