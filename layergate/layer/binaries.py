"""Recognizing native code and extension entry points from the first bytes of a file.

Only ELF counts as native here: Lambda runs Linux, so that is what a layer's compiled code is. The
header gives the word size, byte order, type and machine; a shared object with a ``PT_INTERP`` program
header is a position-independent executable, told apart when the program headers sit inside the head
(they follow the ELF header in every linker's output).
"""

from __future__ import annotations

import struct

from layergate.records import dataclass

ELF_MAGIC = b"\x7fELF"

# e_machine values (System V ABI registry) for the architectures one meets on Lambda and around it.
MACHINES = {
    0x03: "x86",
    0x08: "mips",
    0x14: "ppc",
    0x15: "ppc64",
    0x16: "s390x",
    0x28: "arm",
    0x2B: "sparcv9",
    0x32: "ia64",
    0x3E: "x86_64",
    0xB7: "arm64",
    0xF3: "riscv",
    0x102: "loongarch",
}

_TYPES = {1: "relocatable object", 2: "executable", 3: "shared object", 4: "core dump"}
_PT_INTERP = 3


@dataclass(frozen=True, slots=True)
class ElfInfo:
    kind: str  # "executable", "shared object", "relocatable object", "core dump", "unknown type N"
    arch: str  # "x86_64", "arm64", ... or "machine 0xNN"
    bits: int  # 32 or 64

    def describe(self) -> str:
        return f"ELF {self.bits}-bit {self.kind}, {self.arch}"


def is_elf(head: bytes) -> bool:
    return head[:4] == ELF_MAGIC


def elf_info(head: bytes) -> ElfInfo | None:
    """ELF facts from the first bytes of a file, or None when it is not ELF (or too short to tell)."""
    if len(head) < 20 or head[:4] != ELF_MAGIC:
        return None
    bits = {1: 32, 2: 64}.get(head[4], 0)
    order = {1: "<", 2: ">"}.get(head[5])
    if not bits or order is None:
        return ElfInfo("malformed header", "unknown", bits)
    e_type, e_machine = struct.unpack_from(order + "HH", head, 16)
    kind = _TYPES.get(e_type, f"unknown type {e_type}")
    if e_type == 3 and _has_interpreter(head, order, bits):
        kind = "executable (PIE)"
    arch = MACHINES.get(e_machine, f"machine {e_machine:#x}")
    return ElfInfo(kind, arch, bits)


def _has_interpreter(head: bytes, order: str, bits: int) -> bool:
    """True when a PT_INTERP program header is present (within ``head``)."""
    if bits == 64:
        if len(head) < 64:
            return False
        phoff = struct.unpack_from(order + "Q", head, 32)[0]
        phentsize, phnum = struct.unpack_from(order + "HH", head, 54)
    else:
        if len(head) < 52:
            return False
        phoff = struct.unpack_from(order + "I", head, 28)[0]
        phentsize, phnum = struct.unpack_from(order + "HH", head, 42)
    if phentsize < 4:
        return False
    for i in range(min(phnum, 64)):
        at = phoff + i * phentsize
        if at + 4 > len(head):
            return False
        if struct.unpack_from(order + "I", head, at)[0] == _PT_INTERP:
            return True
    return False


def shebang(head: bytes) -> str | None:
    """The interpreter line of a script (``/usr/bin/env python3``), or None without ``#!``."""
    if not head.startswith(b"#!"):
        return None
    line = head[2:].split(b"\n", 1)[0].strip()
    return line.decode("utf-8", "replace")[:200]


def describe_executable(head: bytes) -> tuple[str, str]:
    """What an extension entry point is: ("elf", "ELF 64-bit executable, x86_64"), ("script", ...)."""
    info = elf_info(head)
    if info is not None:
        return "elf", info.describe()
    interpreter = shebang(head)
    if interpreter is not None:
        return "script", f"script run by {interpreter}" if interpreter else "script with an empty #! line"
    return "unknown", "neither an ELF binary nor a #! script"
