#!/usr/bin/env python3
"""Converts the published DPL parquet files (SnowCharmQ/DPL-main, SnowCharmQ/DPL-meta) to the JSONL
dep reads: one user row per line (user_id, profile[{asin, rating, text, timestamp, title}], data{...})
or one meta row per line (asin, title, description).

  dpl_parquet_to_jsonl.py --main-dir DPL-main --meta-dir DPL-meta --out data/dpl
      reads {main-dir}/{category}/{train,val,test}-*.parquet and {meta-dir}/{category}/full-*.parquet
      (the hub's layout), writes {out}/{category}/{train,val,test,meta}.jsonl
  dpl_parquet_to_jsonl.py --file IN.parquet --out OUT.jsonl
      one file; user rows or meta rows by its columns

Needs pyarrow (in dep's .venv). Exit codes: 0 ok, 2 bad input (missing files, wrong schema).
"""
import argparse
import glob
import json
import os
import sys

CATEGORIES = ["Books", "Movies_and_TV", "CDs_and_Vinyl"]
REVIEW_FIELDS = ["asin", "rating", "text", "timestamp", "title"]
META_FIELDS = ["asin", "title", "description"]


class BadInput(Exception):
    pass


def _kind(schema, path):
    names = set(schema.names)
    if {"user_id", "profile", "data"} <= names:
        return "user"
    if set(META_FIELDS) <= names:
        return "meta"
    raise BadInput(f"{path}: columns {sorted(names)} are neither a DPL user split "
                   "(user_id, profile, data) nor DPL meta (asin, title, description)")


def _review(value, where):
    if not isinstance(value, dict):
        raise BadInput(f"{where}: expected a review struct, got {type(value).__name__}")
    missing = [f for f in REVIEW_FIELDS if f not in value]
    if missing:
        raise BadInput(f"{where}: review lacks {', '.join(missing)}")
    return {f: value[f] for f in REVIEW_FIELDS}


def convert_file(path, out_path):
    """Streams one parquet file into one JSONL file (written atomically); returns the row count."""
    import pyarrow.parquet as pq

    if not os.path.isfile(path):
        raise BadInput(f"{path}: no such file")
    try:
        parquet = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several types for a corrupt file
        raise BadInput(f"{path}: not a readable parquet file ({e})")
    kind = _kind(parquet.schema_arrow, path)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = f"{out_path}.tmp.{os.getpid()}"
    rows = 0
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            for batch in parquet.iter_batches(batch_size=256):
                for row in batch.to_pylist():
                    rows += 1
                    where = f"{path}: row {rows}"
                    if kind == "user":
                        record = {
                            "user_id": row["user_id"],
                            "profile": [_review(r, f"{where}: profile[{i}]") for i, r in enumerate(row["profile"] or [])],
                            "data": _review(row["data"], f"{where}: data"),
                        }
                    else:
                        record = {f: row[f] for f in META_FIELDS}
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return rows


def _one(pattern, what):
    files = sorted(glob.glob(pattern))
    if not files:
        raise BadInput(f"no {what} file matches {pattern}")
    return files


def convert_dirs(main_dir, meta_dir, out_dir, categories):
    for category in categories:
        for split in ("train", "val", "test"):
            files = _one(os.path.join(main_dir, category, f"{split}-*.parquet"), f"{category} {split}")
            _convert_many(files, os.path.join(out_dir, category, f"{split}.jsonl"))
        files = _one(os.path.join(meta_dir, category, "full-*.parquet"), f"{category} meta")
        _convert_many(files, os.path.join(out_dir, category, "meta.jsonl"))


def _convert_many(files, out_path):
    """Several shards → one JSONL, shards in name order."""
    if len(files) == 1:
        n = convert_file(files[0], out_path)
    else:
        parts = []
        n = 0
        for i, f in enumerate(files):
            part = f"{out_path}.part{i}"
            n += convert_file(f, part)
            parts.append(part)
        tmp = f"{out_path}.tmp.{os.getpid()}"
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as p:
                    out.write(p.read())
                os.remove(part)
        os.replace(tmp, out_path)
    print(f"{out_path}: {n} rows", file=sys.stderr)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", help="one parquet file to convert")
    ap.add_argument("--main-dir", help="DPL-main directory ({category}/{split}-*.parquet)")
    ap.add_argument("--meta-dir", help="DPL-meta directory ({category}/full-*.parquet)")
    ap.add_argument("--categories", nargs="+", default=CATEGORIES)
    ap.add_argument("--out", required=True, help="output JSONL (--file) or directory")
    args = ap.parse_args(argv)
    try:
        if args.file:
            n = convert_file(args.file, args.out)
            print(f"{args.out}: {n} rows", file=sys.stderr)
        elif args.main_dir and args.meta_dir:
            convert_dirs(args.main_dir, args.meta_dir, args.out, args.categories)
        else:
            raise BadInput("give --file, or both --main-dir and --meta-dir")
    except BadInput as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
