"""The ``kuairec-causal`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kuairec_causal.errors import KuaiRecError


def _simulate(args: argparse.Namespace) -> int:
    from kuairec_causal.simulate.release import simulate_release

    release = simulate_release(args.scale, args.seed, Path(args.out), null_effects=args.null_effects)
    print(f"archive: {release.archive}\ntruth:   {release.truth}")
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from kuairec_causal.config import Paths
    from kuairec_causal.ingest import ingest_release

    paths = Paths.from_environment()
    manifest = ingest_release(Path(args.source), paths.raw_dir, truth=Path(args.truth) if args.truth else None)
    print(f"raw tables: {paths.raw_dir}")
    for table, rows in manifest["rows"].items():
        print(f"  {table:<26} {rows:>12,} rows")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kuairec-causal", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    simulate = commands.add_parser("simulate", help="write a synthetic KuaiRec 2.0 release with planted causal truth")
    simulate.add_argument("--scale", choices=["tiny", "ci", "small", "full"], default="small",
                          help="tiny: test fixture; ci: coverage tests; small: the default demo (real small_matrix size); full: real big_matrix size")
    simulate.add_argument("--seed", type=int, default=20200705)
    simulate.add_argument("--out", required=True, help="directory to write (replaced atomically)")
    simulate.add_argument("--null-effects", action="store_true", help="same confounding, every effect zero")
    simulate.set_defaults(handler=_simulate)

    ingest = commands.add_parser("ingest", help="load a KuaiRec archive (outer zip, inner KuaiRec.zip or data folder)")
    ingest.add_argument("source", help="18164998.zip, KuaiRec.zip, or an extracted 'KuaiRec 2.0/data' folder")
    ingest.add_argument("--truth", help="ground_truth.json of a simulated release (default: found beside the archive)")
    ingest.set_defaults(handler=_ingest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except KuaiRecError as error:
        print(f"kuairec-causal {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"kuairec-causal {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
