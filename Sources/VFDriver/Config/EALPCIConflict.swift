extension ForwarderConfig {
    /// Why EAL `arguments` cannot work with this config's PCI ports, or nil (always nil without
    /// one): `--no-pci` stops the EAL from probing PCI devices, so the port is not found, and
    /// the EAL refuses a block list (`-b`, `--block`) beside the allow list (`-a`) vf-fwd makes
    /// of the PCI ports (spec section 3; `eal_parse_common_option`), after printing its usage.
    public func pciConflict(inEAL arguments: [String]) -> String? {
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
}
