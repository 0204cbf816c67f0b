import CDPDK
import Foundation

/// The DPDK Environment Abstraction Layer: initialised once per process, cleaned up at exit.
public enum EAL {
    public private(set) static var isInitialized = false

    /// Runs `rte_eal_init` with `arguments` (argv[0] is supplied). Fails with advice for the
    /// usual causes: no hugepages, not root, a device that cannot be probed.
    public static func initialize(arguments: [String]) throws(DPDKError) {
        precondition(!isInitialized, "the EAL initialises once per process")
        let argv = (["vf-fwd"] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pointers = argv + [nil]
        let rc = pointers.withUnsafeMutableBufferPointer { rte_eal_init(Int32(argv.count), $0.baseAddress) }
        if rc < 0 {
            let code = vf_errno()
            // The EAL's lock on its config file: held, another primary process uses this prefix.
            let runtimeDirectory = String(cString: rte_eal_get_runtime_dir())
            let prefixInUse = isLocked(runtimeDirectory + "/config") ? (runtimeDirectory as NSString).lastPathComponent : nil
            removeOwnRuntimeDirectory()
            throw DPDKError("EAL initialisation (\(arguments.joined(separator: " ")))", code: code,
                            advice: advice(errno: code, arguments: arguments, prefixInUse: prefixInUse))
        }
        isInitialized = true
    }

    /// The `--file-prefix` vf-fwd gives a process whose EAL arguments name none: its own, so
    /// concurrent runs never collide, and no other process uses it once this one ends.
    public static var processFilePrefix: String { "vf-fwd-\(getpid())" }

    /// Removes the runtime directories that `vf-fwd-PID` prefixes of ended processes left in
    /// `root` (a SIGKILL skips `cleanup`; their memory maps keep tmpfs in use), and returns them.
    /// A directory is stale when its process is gone. Not when the lock a primary keeps on its
    /// `config` file is free: the EAL creates that file before it takes the lock, and a run that
    /// starts meanwhile removed a starting run's directory (seen in CI). A directory whose PID was
    /// reused stays until that process ends too.
    @discardableResult
    public static func removeStaleRuntimeDirectories(root: String = "/var/run/dpdk") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        var removed: [String] = []
        for name in names where name.hasPrefix("vf-fwd-") {
            guard let pid = Int32(name.dropFirst("vf-fwd-".count)), pid != getpid() else { continue }
            let directory = "\(root)/\(name)"
            let stale = kill(pid, 0) != 0 && errno == ESRCH
            if stale, (try? FileManager.default.removeItem(atPath: directory)) != nil { removed.append(directory) }
        }
        return removed
    }

    /// Another process holds a write lock on `path` (the EAL's primary lock on its config file).
    static func isLocked(_ path: String) -> Bool {
        let fd = open(path, O_RDWR)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        return fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != Int16(F_UNLCK)
    }

    /// Releases hugepages and devices; the EAL cannot be initialised again in this process.
    public static func cleanup() {
        guard isInitialized else { return }
        rte_eal_cleanup()
        removeOwnRuntimeDirectory()
    }

    /// The EAL leaves its runtime directory (/var/run/dpdk/PREFIX: shared config and memory
    /// maps, MiBs of tmpfs) for other processes of the prefix, even when its initialisation
    /// failed; this process's own prefix has no other.
    static func removeOwnRuntimeDirectory() {
        let runtimeDirectory = String(cString: rte_eal_get_runtime_dir())
        if (runtimeDirectory as NSString).lastPathComponent == processFilePrefix {
            try? FileManager.default.removeItem(atPath: runtimeDirectory)
        }
    }

    /// What to do, by the rte_errno `rte_eal_init` set (lib/eal/linux/eal.c): EINVAL for its
    /// arguments, ENOTSUP when a device cannot be probed, EAGAIN for VFIO, EALREADY for a second
    /// call; the rest (EACCES: no hugepage information, ENOMEM, ENODEV) are about memory. It
    /// sets none when the config file's lock is taken (`prefixInUse`, "Cannot init config").
    static func advice(errno code: Int32, arguments: [String], prefixInUse: String? = nil) -> String {
        var hints: [String] = []
        if getuid() != 0 { hints.append("DPDK needs root (or CAP_SYS_ADMIN, CAP_IPC_LOCK and access to /dev/vfio): run as root") }
        if let prefixInUse {
            hints.append("another DPDK process runs with --file-prefix \(prefixInUse): give this run its own "
                         + "(without --file-prefix, vf-fwd picks one per process)")
            return hints.joined(separator: "; ")
        }
        let pciDevices = arguments.contains { $0.hasPrefix("0000:") || $0 == "-a" }
        switch code {
        case 0:
            hints.append("the EAL's message above says why")
        case EINVAL:
            hints.append("an EAL argument was refused (the EAL's message above says which; `-l` must name cores this machine has)")
        case EALREADY, EEXIST:
            hints.append("the EAL is already initialised in this process")
        case ENOTSUP:
            hints.append("a device could not be probed: "
                         + (pciDevices ? "a PCI device must be bound to vfio-pci (`dpdk-devbind.py -b vfio-pci ADDRESS`)"
                                       : "check the virtual device's arguments (the PMD's message is in the EAL log)"))
        case EAGAIN:
            hints.append("VFIO could not start: `modprobe vfio-pci`, and an IOMMU (`intel_iommu=on`) or "
                         + "`echo 1 > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode`")
        default:
            if !arguments.contains("--no-huge") {
                let reserved = reservedHugepages
                hints.append((reserved == 0 ? "no hugepages are reserved" : "if the hugepages (\(reserved) reserved) are not enough or in use")
                             + ": run `scripts/hugepages.sh reserve 1024` or pass `--no-huge -m 512`")
            }
            if pciDevices { hints.append("a PCI device must be bound to vfio-pci: `dpdk-devbind.py -b vfio-pci ADDRESS`") }
        }
        return hints.joined(separator: "; ")
    }

    /// Hugepages of every size the kernel holds reserved (`nr_hugepages`), free or not.
    public static var reservedHugepages: Int {
        let sizes = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/kernel/mm/hugepages")) ?? []
        return sizes.reduce(0) { total, size in
            let text = (try? String(contentsOfFile: "/sys/kernel/mm/hugepages/\(size)/nr_hugepages", encoding: .utf8)) ?? ""
            return total + (Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
        }
    }

    /// The lcore ids the EAL enabled (`-l`), main lcore first.
    public static var lcores: [UInt32] {
        var ids: [UInt32] = [rte_get_main_lcore()]
        var id = rte_get_next_lcore(UInt32.max, 1, 0)
        while id < RTE_MAX_LCORE {
            ids.append(id)
            id = rte_get_next_lcore(id, 1, 0)
        }
        return ids
    }

    /// TSC ticks per second, as measured by the EAL.
    public static var tscHz: UInt64 { rte_get_tsc_hz() }
}

/// The CPU's time-stamp counter.
@inlinable
public func rdtsc() -> UInt64 { vf_rdtsc() }
