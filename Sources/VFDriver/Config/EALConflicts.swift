extension ForwarderConfig {
    /// Why EAL `arguments` cannot work with this config, or nil, so that vf-fwd says so before
    /// the EAL prints its usage or starts without a port.
    public func ealConflict(inEAL arguments: [String]) -> String? {
        pciConflict(inEAL: arguments) ?? memoryConflict(inEAL: arguments)
    }

    /// With a PCI port: `--no-pci` stops the EAL from probing PCI devices, so the port is not
    /// found, and the EAL refuses a block list (`-b`, `--block`) beside the allow list (`-a`)
    /// vf-fwd makes of the PCI ports (spec section 3; `eal_parse_common_option`).
    func pciConflict(inEAL arguments: [String]) -> String? {
        guard let port = ports.first(where: { $0.device.isPCI }) else { return nil }
        let device = port.device.ethdevName
        if arguments.contains("--no-pci") {
            return "port \(port.name): the EAL arguments include --no-pci, which stops the EAL from probing PCI devices, "
                + "so \(device) would not be found: remove --no-pci (from `eal:`, or from the arguments after `--`)"
        }
        if arguments.contains(where: { $0.hasPrefix("-b") || $0 == "--block" || $0.hasPrefix("--block=") }) {
            return "port \(port.name): vf-fwd adds \(device) to the EAL's allow list (-a), and the EAL refuses a block "
                + "list (-b/--block) beside it: remove the -b/--block arguments (only allowed devices are probed anyway)"
        }
        return nil
    }

    /// `--in-memory` (no shared files, a common way to keep runs apart) with `--no-huge`, which
    /// turns on `--legacy-mem` inside the EAL: `eal_check_common_options` refuses the pair with a
    /// message naming only `--legacy-mem`, an option the user never wrote.
    func memoryConflict(inEAL arguments: [String]) -> String? {
        guard arguments.contains("--in-memory"),
              let memory = arguments.first(where: { $0 == "--no-huge" || $0 == "--legacy-mem" }) else { return nil }
        return "the EAL refuses --in-memory with \(memory)\(memory == "--no-huge" ? " (which implies --legacy-mem)" : ""): "
            + "remove --in-memory (vf-fwd gives every run its own --file-prefix, so concurrent runs do not collide)"
    }
}
