"""What is in an object file: its architecture and how many bytes go to code, data and weights.

An embedded developer choosing a model for a board asks how big the object is
and what the bytes are: code (flash), read-only data (flash: the weights blob
lives here, embedded with `.incbin`), zero-initialized buffers (RAM only, not in
the file: the model's intermediate tensors are static) and the rest (symbol
tables and relocations, gone after linking). Reading the section headers
answers that on any host without binutils for the target. ELF64 little-endian
only: the format of every target we support.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from compiler.errors import OptFuseError

ELF_MACHINES = {62: "x86_64", 183: "aarch64"}

SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 0x1, 0x2, 0x4
SHT_NOBITS = 8


@dataclass(frozen=True)
class ObjectSizes:
    file: int
    """Bytes on disk."""
    code: int
    """Executable sections (.text)."""
    rodata: int
    """Read-only data loaded at run time: constants and the embedded weights."""
    data: int
    """Writable initialized data."""
    bss: int
    """Zero-initialized memory (static buffers): needed at run time, absent from the file."""
    machine: str

    def describe(self, weights: int | None = None) -> str:
        """One line: `20,320 bytes: code 7,540, read-only data 11,088 (of which weights 10,752), ...`."""
        rodata = f"read-only data {self.rodata:,}"
        if weights:
            rodata += f" (of which weights {weights:,}, embedded: no file needed beside it)"
        parts = [f"code {self.code:,}", rodata]
        if self.data:
            parts.append(f"data {self.data:,}")
        parts.append(f"static buffers {self.bss:,} (zeroed memory, not in the file)")
        return f"{self.file:,} bytes for {self.machine}: " + ", ".join(parts)


def object_sizes(path: Path) -> ObjectSizes:
    """Sum the allocated sections of an ELF64 little-endian file by kind."""
    raw = Path(path).read_bytes()
    if raw[:4] != b"\x7fELF" or raw[4] != 2 or raw[5] != 1:
        raise OptFuseError(f"{path} is not a 64-bit little-endian ELF file")
    machine = struct.unpack_from("<H", raw, 18)[0]
    shoff = struct.unpack_from("<Q", raw, 0x28)[0]
    shentsize, shnum = struct.unpack_from("<HH", raw, 0x3A)
    sizes = {"code": 0, "rodata": 0, "data": 0, "bss": 0}
    for index in range(shnum):
        _name, kind, flags, _addr, _offset, size = struct.unpack_from("<IIQQQQ", raw, shoff + index * shentsize)
        if not flags & SHF_ALLOC:
            continue
        if kind == SHT_NOBITS:
            sizes["bss"] += size
        elif flags & SHF_EXECINSTR:
            sizes["code"] += size
        elif flags & SHF_WRITE:
            sizes["data"] += size
        else:
            sizes["rodata"] += size
    return ObjectSizes(len(raw), machine=ELF_MACHINES.get(machine, f"ELF machine {machine}"), **sizes)
