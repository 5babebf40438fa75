"""Writes nfc_table.rs (the data nfc.rs needs) from Python's unicodedata.

Run from this directory: python3 gen_nfc_table.py
"""
import sys
import unicodedata as U

ccc, decomp, pairs = [], {}, {}
for cp in range(0x110000):
    c = chr(cp)
    if 0xAC00 <= cp <= 0xD7A3:  # Hangul syllables: algorithmic
        continue
    k = U.combining(c)
    if k:
        ccc.append((cp, k))
    d = U.decomposition(c)
    if d and not d.startswith('<'):
        decomp[cp] = [ord(x) for x in U.normalize('NFD', c)]
        parts = [int(x, 16) for x in d.split()]
        if len(parts) == 2 and U.normalize('NFC', chr(parts[0]) + chr(parts[1])) == c:
            pairs[(parts[0], parts[1])] = cp
rng = []
for cp, k in ccc:
    if rng and rng[-1][1] == cp - 1 and rng[-1][2] == k:
        rng[-1][1] = cp
    else:
        rng.append([cp, cp, k])
flat, dec = [], []
for cp in sorted(decomp):
    dec.append((cp, len(flat), len(decomp[cp])))
    flat.extend(decomp[cp])
comp = sorted(((a << 32) | b, c) for (a, b), c in pairs.items())
out = ["//! Generated from Python %s's `unicodedata` (Unicode %s) by\n//! `gen_nfc_table.py`. Do not edit.\n" % (sys.version.split()[0], U.unidata_version)]
out.append("/// Canonical combining classes: (first, last, class), sorted, non-zero only.")
out.append("pub(super) static CCC: [(u32, u32, u8); %d] = [" % len(rng))
out += ["    (0x%X, 0x%X, %d)," % tuple(r) for r in rng]
out.append("];")
out.append("/// Full canonical decompositions: (char, start, len) into [`DECOMP_CHARS`], sorted.")
out.append("pub(super) static DECOMP: [(u32, u16, u8); %d] = [" % len(dec))
out += ["    (0x%X, %d, %d)," % d for d in dec]
out.append("];")
out.append("/// The characters of the decompositions.")
out.append("pub(super) static DECOMP_CHARS: [u32; %d] = [" % len(flat))
for i in range(0, len(flat), 10):
    out.append("    " + " ".join("0x%X," % x for x in flat[i:i + 10]))
out.append("];")
out.append("/// Primary composites: ((first << 32) | second, composite), sorted.")
out.append("pub(super) static COMPOSE: [(u64, u32); %d] = [" % len(comp))
out += ["    (0x%X, 0x%X)," % c for c in comp]
out.append("];")
open('nfc_table.rs', 'w').write("\n".join(out) + "\n")
