"""gdb commands that read highmem's memory-management structures from a
halted target: QEMU's gdb stub (`cmake --build build --target debug`, or
`-gdb tcp::PORT`) or OpenOCD's gdb server on a Galileo (port 3333).

    highmem-vmallocinfo   the vmalloc list (vmlist), as the shell's `vmallocinfo`
    highmem-pkmap         PKMAP slots (pkmap_count, last_pkmap_nr, pkmap_stats), as `pkmap`
    highmem-fixmap        the fixmap slots and what they map, as `fixmap`
    highmem-zones         contig_page_data's zones, as `zoneinfo` followed by `buddyinfo`
    highmem-pt ADDR [--cr3]  the page-directory and page-table entries of ADDR, as `pt`
                          (through swapper_pg_dir, or the directory in CR3 with --cr3)
    highmem-dmesg [N]     the console log ring (log_ring), oldest first, as `dmesg`;
                          with N, its last N lines only
    highmem-ps            the task table (tasks[]): pid, parent, state, ticks, sizes,
                          mm_struct and name, as `ps` with the mm column added

Load it with `source cmake/gdb/highmem.py` (cmake/gdbinit does) after the
image's symbols (gdb build/image/highmem.elf).  The structures are read
through gdb's Python API from the globals the C code defines (vmlist,
pkmap_count, contig_page_data, swapper_pg_dir, ...); page tables are read as
physical memory through the linear map, at PAGE_OFFSET + pa, which holds for
every page table because mm/ allocates them in low memory.  The output
follows the shell's formats line for line, so the two can be compared
(tests/hil/test_gdb.py does); caller names in highmem-vmallocinfo come from
gdb's symbols, and highmem-pt does not name the region.

The anchors below are compile-time constants in mm/include/mm/layout.h and
mm/include/mm/fixmap.h (macros, so not in the debug information).  The
page-table walk follows the format the CPU is in: 2-level with 32-bit entries,
or PAE (CR4.PAE; highmem-pae.elf) with 64-bit entries in three levels, a
4-entry PDPT, directories and tables of 512 entries ("Understanding the Linux
Virtual Memory Manager", §3.2; Intel SDM vol. 3A, §4.4).  Where the stub does
not show CR4 (OpenOCD), the format is the image's: PKMAP has 512 slots with
PAE and 1024 without.

Every command first checks that there is a live, stopped target whose kernel
has built its page tables.  gdb with only the ELF (no `target remote`) would
print the initial values of the image's .data, not the machine's: the helpers
refuse and say so, as they do while the CPU still runs without paging (QEMU
halted at the reset vector) or before paging_init has built swapper_pg_dir.
"""

import struct

import gdb

PAGE_OFFSET = 0xC0000000
PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PKMAP_BASE = 0xFE000000
FIXADDR_TOP = 0xFFFFE000
VM_IOREMAP, VM_ALLOC, VM_MAP = 0x1, 0x2, 0x4
CR0_PG = 0x80000000
CR4_PAE = 0x20
LOWMEM_MAX = 896 << 20  # MAXMEM: page tables live in low memory, under the linear map
PAE_FRAME = 0x000FFFFFFFFFF000
PAE_LARGE_FRAME = 0x000FFFFFFFE00000


class HighmemError(gdb.GdbError):
    pass


def _int(v):
    return int(v)


def _global(name):
    try:
        return gdb.parse_and_eval(name)
    except gdb.error as e:
        raise HighmemError(f"highmem: cannot read {name}: {e} (load highmem.elf's symbols first)")


def _read(addr, size):
    try:
        return bytes(gdb.selected_inferior().read_memory(addr, size))
    except gdb.MemoryError as e:
        raise HighmemError(f"highmem: cannot read 0x{addr:08x}: {e}")


def _read_phys(pa, size):
    if pa + size > LOWMEM_MAX:
        raise HighmemError(f"highmem: physical 0x{pa:x} is not in low memory; the helpers read "
                           "page tables through the linear map only")
    return _read(PAGE_OFFSET + pa, size)


def read_phys_u32(pa):
    """A 32-bit word of physical memory, through the linear map."""
    return struct.unpack("<I", _read_phys(pa, 4))[0]


def read_phys_u64(pa):
    """A 64-bit word of physical memory, through the linear map."""
    return struct.unpack("<Q", _read_phys(pa, 8))[0]


def _array_len(v):
    t = v.type.strip_typedefs()
    return t.sizeof // t.target().sizeof


def _register(name):
    """A control register through the stub, or None where the stub does not show it (OpenOCD)."""
    try:
        return int(gdb.parse_and_eval("$" + name)) & 0xFFFFFFFF
    except gdb.error:
        return None


def require_live(tables=True):
    """Refuse, saying why, unless a live stopped target runs the kernel (with its page tables)."""
    inf = gdb.selected_inferior()
    thread = gdb.selected_thread()
    if inf is None or inf.pid == 0 or thread is None:
        raise HighmemError("highmem: the target is not running: gdb has only the ELF, whose data "
                           "are the image's initial values, not the machine's. Attach first: "
                           "target remote :1234 (QEMU's gdb stub; cmake --build build --target "
                           "debug) or :3333 (OpenOCD)")
    if thread.is_running():
        raise HighmemError("highmem: the target is running; stop it first (Ctrl-C or interrupt)")
    cr0 = _register("cr0")
    if cr0 is not None and not cr0 & CR0_PG:
        pc = int(gdb.parse_and_eval("$pc"))
        raise HighmemError(f"highmem: the CPU runs without paging (pc 0x{pc:x}): the kernel has "
                           "not started; `continue` to kmain first")
    if tables and swapper_pgd() == 0:
        raise HighmemError("highmem: paging_init has not built swapper_pg_dir yet; `continue` past "
                           "mm_init first")


def is_pae():
    cr4 = _register("cr4")
    if cr4 is not None:
        return bool(cr4 & CR4_PAE)
    return _array_len(_global("pkmap_count")) == 512


def table_span():
    return 1 << 21 if is_pae() else 1 << 22


def swapper_pgd():
    return _int(_global("swapper_pg_dir"))


def walk(pgd, va):
    """(pde, pte or None, pa or None) for va in the directory at physical pgd (2-level or PAE)."""
    if is_pae():
        return _walk_pae(pgd, va)
    pde = read_phys_u32(pgd + (va >> 22) * 4)
    if not pde & 1:
        return pde, None, None
    if pde & 0x80:
        return pde, None, (pde & 0xFFC00000) | (va & 0x3FFFFF)
    pte = read_phys_u32((pde & 0xFFFFF000) + ((va >> PAGE_SHIFT) & 0x3FF) * 4)
    if not pte & 1:
        return pde, pte, None
    return pde, pte, (pte & 0xFFFFF000) | (va & 0xFFF)


def _walk_pae(pdpt, va):
    """The PAE walk: PDPT entry (va bits 31:30), directory entry (29:21), table entry (20:12)."""
    pdpte = read_phys_u64(pdpt + (va >> 30) * 8)
    if not pdpte & 1:
        return 0, None, None  # no directory for this gigabyte: as the shell, an empty PDE
    pde = read_phys_u64((pdpte & PAE_FRAME) + ((va >> 21) & 0x1FF) * 8)
    if not pde & 1:
        return pde, None, None
    if pde & 0x80:
        return pde, None, (pde & PAE_LARGE_FRAME) | (va & 0x1FFFFF)
    pte = read_phys_u64((pde & PAE_FRAME) + ((va >> PAGE_SHIFT) & 0x1FF) * 8)
    if not pte & 1:
        return pde, pte, None
    return pde, pte, (pte & PAE_FRAME) | (va & 0xFFF)


def symbolize(pc):
    """func+0xoff/0xsize as the firmware's symbolizer prints it, else 0x..."""
    block = gdb.block_for_pc(pc)
    while block is not None and block.function is None:
        block = block.superblock
    if block is None:
        return f"0x{pc:x}"
    return f"{block.function.name}+0x{pc - block.start:x}/0x{block.end - block.start:x}"


# -- vmallocinfo -------------------------------------------------------------


def vmallocinfo_lines():
    lines = []
    v = _global("vmlist")
    seen = 0
    while _int(v) != 0:
        seen += 1
        if seen > 100000:
            raise HighmemError("highmem: vmlist does not end (a loop?)")
        s = v.dereference()
        addr, size, flags = _int(s["addr"]), _int(s["size"]), _int(s["flags"])
        line = f"0x{addr:08x}-0x{(addr + size) & 0xFFFFFFFF:08x} {size:7d}"
        caller = _int(s["caller"])
        if caller:
            line += " " + symbolize(caller)
        if _int(s["nr_pages"]):
            line += f" pages={_int(s['nr_pages'])}"
        if flags & VM_IOREMAP:
            line += f" phys=0x{_int(s['phys_addr']):08x} ioremap"
        if flags & VM_ALLOC:
            line += " vmalloc"
        if flags & VM_MAP:
            line += " vmap"
        lines.append(line)
        v = s["next"]
    return lines


# -- pkmap ---------------------------------------------------------------------


def pkmap_lines():
    count = _global("pkmap_count")
    n = _array_len(count)
    counts = [_int(count[i]) for i in range(n)]
    st = _global("pkmap_stats")
    in_use = sum(1 for c in counts if c > 1)
    pending = sum(1 for c in counts if c == 1)
    end = PKMAP_BASE + n * PAGE_SIZE
    lines = [
        f"pkmap: 0x{PKMAP_BASE:08x}-0x{end:08x}, {n} slots: {in_use} in use, "
        f"{pending} unused awaiting flush, {n - in_use - pending} free",
        f"last_pkmap_nr {_int(_global('last_pkmap_nr'))}; kmaps: {_int(st['fresh_maps'])} fresh, "
        f"{_int(st['reuses'])} reused; wraps {_int(st['wraps'])}, global flushes {_int(st['flushes'])}, "
        f"slots freed {_int(st['slots_freed'])}",
        f"errors: {_int(st['exhausted'])} out of slots, {_int(st['bad_kunmaps'])} bad kunmap",
        f"shootdown: {_int(st['flush_ipis'])} IPIs sent by the global flushes (flushes x (online CPUs - 1))",
        f"contention: {_int(st['waits'])} kmaps waited for another CPU to free a slot, "
        f"{_int(st['irq_refused'])} refused in interrupt context",
    ]
    pgd = swapper_pgd()
    for i, c in enumerate(counts):
        if c == 0:
            continue
        va = PKMAP_BASE + i * PAGE_SIZE
        _, _, pa = walk(pgd, va)
        pfn = (pa >> PAGE_SHIFT) if pa is not None else 0
        state = "in use" if c > 1 else "unused, flush pending"
        lines.append(f"  slot {i:4d} 0x{va:08x} count {c} ({state}) pfn 0x{pfn:05x}")
    return lines


# -- fixmap --------------------------------------------------------------------


def _enum(name):
    try:
        t = gdb.lookup_type(name)
    except gdb.error as e:
        raise HighmemError(f"highmem: no type {name}: {e}")
    return {f.name: int(f.enumval) for f in t.fields()}


def fixmap_name(idx, fx, km_names):
    if idx == fx["FIX_APIC_BASE"]:
        return "FIX_APIC_BASE"
    if idx == fx["FIX_IO_APIC_BASE_0"]:
        return "FIX_IO_APIC_BASE_0"
    if fx["FIX_IO_APIC_BASE_0"] < idx <= fx["FIX_IO_APIC_BASE_END"]:
        return f"FIX_IO_APIC_BASE_0+{idx - fx['FIX_IO_APIC_BASE_0']}"
    if idx == fx["FIX_EARLYCON_MEM_BASE"]:
        return "FIX_EARLYCON_MEM_BASE"
    if fx["FIX_KMAP_BEGIN"] <= idx <= fx["FIX_KMAP_END"]:
        t = idx - fx["FIX_KMAP_BEGIN"]
        nr = len(km_names)
        return f"FIX_KMAP_BEGIN+{km_names.get(t % nr, '?')}@cpu{t // nr}"
    if fx["FIX_BTMAP_BEGIN"] <= idx <= fx["FIX_BTMAP_END"]:
        return f"FIX_BTMAP_BEGIN+{idx - fx['FIX_BTMAP_BEGIN']}"
    return "?"


def fixmap_lines():
    fx = _enum("enum fixed_addresses")
    km = {v: k for k, v in _enum("enum km_type").items() if k != "KM_TYPE_NR"}
    n = fx["__end_of_fixed_addresses"]
    start = FIXADDR_TOP + PAGE_SIZE - n * PAGE_SIZE
    lines = [f"fixmap: 0x{start:08x}-0x{FIXADDR_TOP + PAGE_SIZE:08x}, {n} slots, FIXADDR_TOP 0x{FIXADDR_TOP:08x}",
             f"{'index':>5}  {'name':<30} {'virtual':<10}  physical"]
    pgd = swapper_pgd()
    for idx in range(n):
        va = FIXADDR_TOP - (idx << PAGE_SHIFT)
        _, _, pa = walk(pgd, va)
        phys = f"0x{pa:08x}" if pa is not None else "-"
        lines.append(f"{idx:5d}  {fixmap_name(idx, fx, km):<30} 0x{va:08x}  {phys}")
    cpus = _global("fixmap_cpu_stats")
    per_cpu = [cpus[c] for c in range(_array_len(cpus))]
    ntypes = _array_len(per_cpu[0]["atomic_depth"])
    depth = [sum(_int(st["atomic_depth"][t]) for st in per_cpu) for t in range(ntypes)]
    total = {k: sum(_int(st[k]) for st in per_cpu) for k in ("atomic_maps", "atomic_overwrites", "atomic_unbalanced")}
    slots = "".join(f" {km[t]} {depth[t]}" for t in range(ntypes))
    lines.append(f"kmap_atomic: {total['atomic_maps']} high maps, {total['atomic_overwrites']} nested "
                 f"uses of a busy slot, {total['atomic_unbalanced']} unbalanced kunmaps; slots in use:{slots}")
    for c, st in enumerate(per_cpu):
        m, o, u = (_int(st[k]) for k in ("atomic_maps", "atomic_overwrites", "atomic_unbalanced"))
        if m or o or u:
            lines.append(f"kmap_atomic cpu{c}: {m} high maps, {o} nested, {u} unbalanced")
    return lines


# -- zones ---------------------------------------------------------------------


def zone_lines():
    pgdat = _global("contig_page_data")
    zones = pgdat["node_zones"]
    nid = _int(pgdat["node_id"])
    zoneinfo, buddyinfo = [], []
    try:
        online = _int(gdb.parse_and_eval("online_mask"))
    except gdb.error:
        online = 1
    for z in range(_array_len(zones)):
        zone = zones[z]
        name = zone["name"].string() if _int(zone["name"]) else "?"
        wm = zone["watermark"]
        if _int(zone["zone_pgdat"]):
            zoneinfo += [
                f"Node {nid}, zone {name:>8}",
                f"  pages free     {_int(zone['free_pages'])}",
                f"        min      {_int(wm[0])}",
                f"        low      {_int(wm[1])}",
                f"        high     {_int(wm[2])}",
                f"        spanned  {_int(zone['spanned_pages'])}",
                f"        present  {_int(zone['present_pages'])}",
                f"        managed  {_int(zone['managed_pages'])}",
                "        protection: (" + ", ".join(
                    str(_int(zone["lowmem_reserve"][j])) for j in range(_array_len(zone["lowmem_reserve"]))) + ")",
                f"      nr_free_pages {_int(zone['free_pages'])}",
                f"      nr_alloc_fail {_int(zone['alloc_fail'])}",
                "  pagesets",
            ]
            # Each online CPU's hot and cold lists, as zoneinfo prints them.
            for cpu in range(_array_len(zone["pageset"])):
                if not online & (1 << cpu):
                    continue
                for t, kind in enumerate(("hot ", "cold")):
                    pcp = zone["pageset"][cpu]["pcp"][t]
                    zoneinfo.append(f"    cpu: {cpu} {kind} count: {_int(pcp['count'])} "
                                    f"high: {_int(pcp['high'])} batch: {_int(pcp['batch'])}")
            zoneinfo.append(f"  start_pfn:           {_int(zone['zone_start_pfn'])}")
        if _int(zone["present_pages"]):
            fa = zone["free_area"]
            counts = "".join(f"{_int(fa[o]['nr_free']):6d} " for o in range(_array_len(fa)))
            buddyinfo.append(f"Node {nid}, zone {name:>8} {counts}")
    return zoneinfo, buddyinfo


# -- pt ------------------------------------------------------------------------


def _flags(e, is_pde):
    names = ["P", "RW", "US", "PWT", "PCD", "A", "D", "PS" if is_pde else "PAT", "G"]
    text = "".join(" " + n for i, n in enumerate(names) if e & (1 << i))
    return text + (" NX" if e >> 63 else "")


def pt_lines(va, pgd):
    va &= 0xFFFFFFFF
    span = table_span()
    pde, pte, pa = walk(pgd, va)
    lines = [f"pt 0x{va:08x} (page directory at phys 0x{pgd:08x})"]
    line = f"  PDE #{va // span:<4d} = 0x{pde:08x}"
    if not pde & 1:
        line += "  not present: no page table"
    else:
        line += _flags(pde, True) + ("  -> large page" if pde & 0x80 else "  -> page table")
    lines.append(line)
    if pte is not None:
        line = f"  PTE #{(va % span) >> PAGE_SHIFT:<4d} = 0x{pte:08x}"
        line += _flags(pte, False) if pte & 1 else "  not present"
        lines.append(line)
    if pa is not None:
        e = pte if pte is not None else pde
        lines.append(f"  mapped: phys 0x{pa:08x}" + (" writable" if e & 2 else " read-only")
                     + (" user" if e & 4 else " kernel") + (" uncached" if e & 0x10 else ""))
    else:
        lines.append("  not mapped")
    return lines


# -- dmesg -----------------------------------------------------------------------


def _static(name):
    sym = gdb.lookup_static_symbol(name) if hasattr(gdb, "lookup_static_symbol") else None
    if sym is not None:
        return sym.value()
    return _global(name)


def dmesg_lines():
    """The console log ring, oldest first, without the carriage returns the console adds."""
    ring = _static("log_ring")
    size = _array_len(ring)
    pos = _int(_static("log_pos"))
    wrapped = bool(_int(_static("log_wrapped")))
    if not 0 <= pos < size:
        raise HighmemError(f"highmem: log_pos {pos} is outside the {size}-byte ring (corrupt?)")
    data = _read(_int(ring.address), size)
    text = (data[pos:] + data[:pos]) if wrapped else data[:pos]
    return text.decode("latin-1").replace("\r", "").split("\n")


# -- ps ------------------------------------------------------------------------------


def ps_lines():
    tasks = _global("tasks")
    states = _enum("enum task_state")
    try:
        cur = _int(gdb.parse_and_eval("current"))
    except gdb.error:
        cur = None  # no single `current` (per-CPU in an SMP build): running tasks show as S
    lines = ["  PID  PPID S   TICKS    VSZ    RSS MM         COMMAND"]
    for i in range(_array_len(tasks)):
        t = tasks[i]
        state = _int(t["state"])
        if state == states["TASK_UNUSED"]:
            continue
        mm = _int(t["mm"])
        vsz = _int(t["mm"]["total_vm"]) * 4 if mm else 0
        rss = _int(t["mm"]["rss"]) * 4 if mm else 0
        letter = "Z" if state == states["TASK_ZOMBIE"] else "R" if _int(t.address) == cur else "S"
        name = t["comm"].string() if i else "[shell]"
        mm_text = f"0x{mm:08x}" if mm else "-         "
        lines.append(f"{_int(t['pid']):5d} {_int(t['ppid']):5d} {letter} {_int(t['ticks']):7d} "
                     f"{vsz:5d}K {rss:5d}K {mm_text} {name}"
                     + (" (thread)" if _int(t["thread"]) else ""))
    if len(lines) == 1:
        lines.append("(no tasks yet: proc_init runs at the first `run`, `ps` or other process "
                     "command)")
    return lines


# -- the commands ----------------------------------------------------------------


class _Command(gdb.Command):
    def __init__(self, name):
        super().__init__(name, gdb.COMMAND_DATA)

    def out(self, lines):
        gdb.write("".join(line + "\n" for line in lines))


class VmallocInfo(_Command):
    """highmem-vmallocinfo: the vmalloc areas in address order (the shell's `vmallocinfo`)."""

    def __init__(self):
        super().__init__("highmem-vmallocinfo")

    def invoke(self, arg, from_tty):
        require_live()
        self.out(vmallocinfo_lines())


class Pkmap(_Command):
    """highmem-pkmap: PKMAP slot counts, statistics and the slots in use (the shell's `pkmap`)."""

    def __init__(self):
        super().__init__("highmem-pkmap")

    def invoke(self, arg, from_tty):
        require_live()
        self.out(pkmap_lines())


class Fixmap(_Command):
    """highmem-fixmap: every fixmap slot, its name, address and physical page (the shell's `fixmap`)."""

    def __init__(self):
        super().__init__("highmem-fixmap")

    def invoke(self, arg, from_tty):
        require_live()
        self.out(fixmap_lines())


class Zones(_Command):
    """highmem-zones: the zones as /proc/zoneinfo, then the free lists as /proc/buddyinfo."""

    def __init__(self):
        super().__init__("highmem-zones")

    def invoke(self, arg, from_tty):
        require_live()
        zi, bi = zone_lines()
        self.out(zi + bi)


class Pt(_Command):
    """highmem-pt ADDR [--cr3]: decode the PDE/PTE of ADDR in swapper_pg_dir (or CR3's directory)."""

    def __init__(self):
        super().__init__("highmem-pt")

    def invoke(self, arg, from_tty):
        argv = gdb.string_to_argv(arg)
        use_cr3 = "--cr3" in argv
        argv = [a for a in argv if a != "--cr3"]
        if len(argv) != 1:
            raise HighmemError("usage: highmem-pt ADDR [--cr3]")
        require_live()
        va = int(gdb.parse_and_eval(argv[0])) & 0xFFFFFFFF
        if use_cr3:
            try:
                pgd = int(gdb.parse_and_eval("$cr3")) & 0xFFFFF000
            except gdb.error:
                raise HighmemError("highmem: this gdb stub does not expose CR3; drop --cr3")
        else:
            pgd = swapper_pgd()
        self.out(pt_lines(va, pgd))


class Dmesg(_Command):
    """highmem-dmesg [N]: the console log since boot, oldest first (the shell's `dmesg`).

    With N, only its last N lines."""

    def __init__(self):
        super().__init__("highmem-dmesg")

    def invoke(self, arg, from_tty):
        argv = gdb.string_to_argv(arg)
        if len(argv) > 1 or (argv and not argv[0].isdigit()):
            raise HighmemError("usage: highmem-dmesg [N]  (N: how many of the last lines, decimal)")
        require_live(tables=False)
        lines = dmesg_lines()
        if lines and lines[-1] == "":
            lines.pop()
        if argv:
            lines = lines[-int(argv[0]):] if int(argv[0]) else []
        self.out(lines)


class Ps(_Command):
    """highmem-ps: the task table: pid, parent, state, ticks, sizes, mm_struct and name.

    The shell's `ps` with an MM column (the task's mm_struct)."""

    def __init__(self):
        super().__init__("highmem-ps")

    def invoke(self, arg, from_tty):
        if gdb.string_to_argv(arg):
            raise HighmemError("usage: highmem-ps")
        require_live(tables=False)
        self.out(ps_lines())


VmallocInfo()
Pkmap()
Fixmap()
Zones()
Pt()
Dmesg()
Ps()
