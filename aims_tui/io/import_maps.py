"""Mappings an import can be given, saved and reused.

- ``--map COLUMN=FIELD``: a column onto a risk field (see ``import_columns``).
- ``--value-map COLUMN:SRC=DEST``: a value of a column onto another before it is
  read ("Bias" in "Domain" onto the Annex C objective "fairness"; "Open" in a
  treatment column onto "mitigate"). COLUMN is a header, a letter or a field.
- A mapping file (JSON or TOML) holds the same and the options that go with a
  recurring file, so that next month's export imports with ``--mapping FILE``::

      {"map": {"Domain": "category"},
       "values": {"Domain": {"Bias": "fairness", "Privacy & data": "privacy"}},
       "header_row": 3, "scale_offset": 1,
       "default_likelihood": 3, "default_impact": 3}

  ``--save-map FILE`` writes what the command line gave, as JSON.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..core.errors import ValidationError
from .import_sheets import read_bounded

MAX_MAPPING_BYTES = 1024 * 1024
KEYS = ("map", "values", "header_row", "sheet", "scale_offset", "default_likelihood", "default_impact", "system")


@dataclass
class MappingSpec:
    """Column and value mappings and the options of one kind of file."""

    map: list[tuple[str, str]] = field(default_factory=list)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    header_row: int | None = None
    sheet: str | None = None
    scale_offset: int | None = None
    default_likelihood: int | None = None
    default_impact: int | None = None
    system: str | None = None

    def merged(self, other: "MappingSpec") -> "MappingSpec":
        """``other`` (the command line) over self (a file)."""
        values = {k: dict(v) for k, v in self.values.items()}
        for col, pairs in other.values.items():
            values.setdefault(col, {}).update(pairs)
        return MappingSpec(
            map=self.map + other.map, values=values,
            **{k: getattr(other, k) if getattr(other, k) is not None else getattr(self, k)
               for k in ("header_row", "sheet", "scale_offset", "default_likelihood", "default_impact",
                         "system")})

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.map:
            out["map"] = dict(self.map)
        if self.values:
            out["values"] = self.values
        for k in ("header_row", "sheet", "scale_offset", "default_likelihood", "default_impact", "system"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        return out


def parse_value_maps(items: Iterable[str]) -> dict[str, dict[str, str]]:
    """``Domain:Bias=fairness`` -> {"Domain": {"Bias": "fairness"}} (the first ':' and the last '=' split)."""
    out: dict[str, dict[str, str]] = {}
    for item in items:
        col, sep, rest = item.partition(":")
        src, eq, dst = rest.rpartition("=")
        if not sep or not eq or not col.strip() or not src.strip():
            raise ValidationError("--value-map", f"{item!r} is not COLUMN:VALUE=NEW "
                                  "(e.g. --value-map 'Domain:Bias=fairness')")
        out.setdefault(col.strip(), {})[src.strip()] = dst.strip()
    return out


def _int(d: dict, key: str, where: str) -> int | None:
    v = d.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValidationError("--mapping", f"{where}: {key} must be a whole number")
    return v


def load_mapping(path: str | Path) -> MappingSpec:
    """Read a mapping file (JSON, or TOML by its .toml suffix); one-line messages."""
    p = Path(path)
    data = read_bounded(p, MAX_MAPPING_BYTES, "a mapping file")
    try:
        text = data.decode("utf-8-sig")
        doc = tomllib.loads(text) if p.suffix.casefold() == ".toml" else json.loads(text)
    except UnicodeDecodeError:
        raise ValidationError("--mapping", f"{p.name} is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        raise ValidationError("--mapping", f"{p.name} cannot be read: {str(exc).splitlines()[0][:200]}") from None
    if not isinstance(doc, dict):
        raise ValidationError("--mapping", f"{p.name} must hold an object with {', '.join(KEYS)}")
    unknown = sorted(set(doc) - set(KEYS))
    if unknown:
        raise ValidationError("--mapping", f"{p.name}: unknown key(s) {', '.join(unknown)} (known: {', '.join(KEYS)})")
    cmap = doc.get("map") or {}
    values = doc.get("values") or {}
    if not isinstance(cmap, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in cmap.items()):
        raise ValidationError("--mapping", f"{p.name}: \"map\" must be an object of column: field")
    if not isinstance(values, dict) or not all(
            isinstance(c, str) and isinstance(m, dict) and all(isinstance(a, str) and isinstance(b, str)
                                                            for a, b in m.items())
            for c, m in values.items()):
        raise ValidationError("--mapping", f"{p.name}: \"values\" must be an object of column: {{value: new value}}")
    for k in ("sheet", "system"):
        if doc.get(k) is not None and not isinstance(doc[k], str):
            raise ValidationError("--mapping", f"{p.name}: {k} must be text")
    return MappingSpec(map=list(cmap.items()), values={c: dict(m) for c, m in values.items()},
                       header_row=_int(doc, "header_row", p.name), sheet=doc.get("sheet"),
                       scale_offset=_int(doc, "scale_offset", p.name),
                       default_likelihood=_int(doc, "default_likelihood", p.name),
                       default_impact=_int(doc, "default_impact", p.name), system=doc.get("system"))


def save_mapping(spec: MappingSpec, path: str | Path) -> None:
    """Write ``spec`` as JSON (a temporary file renamed over the target)."""
    p = Path(path)
    if p.is_dir():
        raise ValidationError("--save-map", f"{p} is a folder; give a file name such as {p / 'mapping.json'}")
    tmp = p.with_name(f".{p.name}.part")
    try:
        tmp.write_text(json.dumps(spec.to_dict(), indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                       encoding="utf-8")
        tmp.replace(p)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ValidationError("--save-map", f"cannot write {p}: {exc.strerror or exc}") from None
