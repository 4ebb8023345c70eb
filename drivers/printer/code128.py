"""CODE128 in Epson's GS k form: choosing code sets, counting modules, and drawing the bars.

The encoder needs the symbol's width in modules (to pick a module size that fits the paper) and
the data in Epson's form (``{B`` / ``{C`` code-set prefixes); the simulator needs the reverse,
from that form to bars. Only code sets B (printable ASCII) and C (digit pairs) are used.
"""
from __future__ import annotations

# Bar/space widths of symbol values 0-105 and the stop pattern (ISO/IEC 15417, table 1).
_PATTERNS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 "
    "122132 122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 "
    "321221 312212 322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311 "
    "211313 231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 231131 213113 "
    "213311 213131 311123 311321 331121 312113 312311 332111 314111 221411 431111 111224 111422 "
    "121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 241211 221114 413111 "
    "241112 134111 111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 214121 "
    "412121 111143 111341 131141 114113 114311 411113 411311 113141 114131 311141 411131 211412 "
    "211214 211232"
).split()
STOP = "2331112"
START_B, START_C, CODE_B, CODE_C = 104, 105, 100, 99
QUIET_MODULES = 10  # blank space required on each side
_DLE = 0x10  # never sent as a set-C value: a printer acts on DLE EOT even inside barcode data


class Code128Error(ValueError):
    """The text cannot be written as CODE128 (sets B and C), or Epson-form data is malformed."""


def epson_data(text: str) -> bytes:
    """``text`` in Epson's GS k 73 form, using set C for runs of four or more digits."""
    if not text or any(not " " <= c <= "~" for c in text):
        raise Code128Error("CODE128 text must be non-empty printable ASCII")
    out, current, i = bytearray(), "", 0
    while i < len(text):
        run = len(text[i:]) - len(text[i:].lstrip("0123456789"))
        if run >= 4 or (run == len(text) and run % 2 == 0):  # all digits, even: set C throughout
            if run % 2:  # odd run: the first digit goes in set B
                out += _switch(current, "B") + text[i].encode()
                current, i, run = "B", i + 1, run - 1
            for j in range(i, i + run, 2):
                pair = int(text[j:j + 2])
                if pair == _DLE:  # the byte DLE could start a real-time command: these two digits go in set B
                    out += _switch(current, "B") + text[j:j + 2].encode()
                    current = "B"
                else:
                    out += _switch(current, "C") + bytes([pair])
                    current = "C"
            i += run
        else:
            out += _switch(current, "B") + (b"{{" if text[i] == "{" else text[i].encode())
            current, i = "B", i + 1
    return bytes(out)


def _switch(current: str, wanted: str) -> bytes:
    return b"" if current == wanted else b"{" + wanted.encode()


def symbol_values(data: bytes) -> tuple[list[int], str]:
    """Decode Epson-form ``data`` into symbol values (start, data, check) and the readable text."""
    if data[:2] not in (b"{B", b"{C"):
        raise Code128Error("CODE128 data must start with {B or {C")
    current = chr(data[1])
    values, text, i = [START_B if current == "B" else START_C], [], 2
    while i < len(data):
        byte = data[i]
        if byte == ord("{") and current == "B" and data[i + 1:i + 2] != b"{":
            wanted = chr(data[i + 1]) if i + 1 < len(data) else "?"
            if wanted not in "BC":
                raise Code128Error(f"unsupported CODE128 function {{{wanted}")
            if wanted != current:
                values.append(CODE_C if wanted == "C" else CODE_B)
            current, i = wanted, i + 2
        elif current == "C" and byte == ord("{"):
            if data[i + 1:i + 2] != b"B":
                raise Code128Error("only {B may follow set C data")
            values.append(CODE_B)
            current, i = "B", i + 2
        elif current == "C":
            if byte > 99:
                raise Code128Error(f"set C value {byte} is not a digit pair")
            values.append(byte)
            text.append(f"{byte:02d}")
            i += 1
        else:
            if not 32 <= byte <= 126:
                raise Code128Error(f"byte {byte} is not printable ASCII")
            values.append(byte - 32)
            text.append(chr(byte))
            i += 2 if byte == ord("{") else 1
    values.append((values[0] + sum(k * v for k, v in enumerate(values[1:], 1))) % 103)
    return values, "".join(text)


def module_count(data: bytes) -> int:
    """Width of the symbol in modules, quiet zones included."""
    values, _ = symbol_values(data)
    return 11 * len(values) + sum(map(int, STOP)) + 2 * QUIET_MODULES


def bar_modules(data: bytes) -> list[bool]:
    """One entry per module (True = bar), without quiet zones: what the printer burns."""
    values, _ = symbol_values(data)
    modules: list[bool] = []
    for pattern in [_PATTERNS[v] for v in values] + [STOP]:
        for k, width in enumerate(pattern):
            modules += [k % 2 == 0] * int(width)
    return modules
