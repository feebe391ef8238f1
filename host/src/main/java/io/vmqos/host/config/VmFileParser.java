package io.vmqos.host.config;

import io.vmqos.core.KernelLimits;
import io.vmqos.core.config.VmConfig;
import io.vmqos.core.config.VmFile;
import io.vmqos.core.config.VmLocator;
import io.vmqos.host.config.YamlTree.Entry;
import io.vmqos.host.config.YamlTree.MapNode;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a {@code vm.yaml}, one VM to place on a fleet (format in README, "Flavors and the fleet simulation"): the keys of
 * a host.yaml {@code vms[]} entry that say what the VM needs ({@code name}, {@code sla}, {@code reservations}), read by
 * the same rules ({@link HostConfigParser}), plus {@code costModel} (its SLA's cost model file, relative to the file),
 * {@code vcpus} and {@code memoryMb}. The keys that say how a host finds and treats a running VM ({@code qmp}, {@code pid},
 * {@code domain}, {@code shaping}, {@code reclaim}, {@code reclaimCeiling}) are refused: they change nothing of what the
 * VM asks of Placement, and belong in the host's configuration once the VM is placed. Strict like host.yaml: errors are
 * {@link ConfigException}s naming {@code file:line:column key} and the fix. Thread-safe.
 */
public final class VmFileParser {
    static final List<String> NEED_KEYS = List.of("name", "sla", "reservations");
    static final List<String> KEYS = List.of("name", "sla", "reservations", "costModel", "vcpus", "memoryMb");
    static final List<String> HOST_ONLY_KEYS = List.of("qmp", "pid", "domain", "shaping", "reclaim", "reclaimCeiling", "adaptive");
    /** The most vCPUs a vm.yaml may ask (a sanity bound, above any flavor Nova boots). */
    public static final int MAX_VCPUS = 1024;

    private final HostConfigParser vms;

    /** @param limits the kernel's DEADLINE period limits, against which reservations and latency bounds are checked */
    public VmFileParser(KernelLimits limits) { this.vms = new HostConfigParser(limits); }

    /** The VM of {@code file} (see {@link #read} for its cost model, vCPUs and memory). */
    public VmConfig parse(Path file) { return read(file).vm(); }

    /**
     * Reads {@code file}.
     *
     * @throws ConfigException naming the place and the fix for anything wrong in it (or a missing file)
     */
    public VmFile read(Path file) {
        Located in = new Located(file.toString());
        YamlTree.Node root = YamlTree.read(file, file.toString());
        Path dir = file.toAbsolutePath().getParent();
        if (root instanceof MapNode raw) {
            for (String k : HOST_ONLY_KEYS) {
                Entry e = raw.entries().get(k);
                if (e != null) {
                    throw in.error(e.keyLoc(), k, "'" + k + "' says how a host finds or treats the running VM; a vm.yaml says what the VM needs from a fleet",
                            "remove it here and give it in the VM's entry of the host's host.yaml (or its libvirt metadata) once it is placed");
                }
            }
        }
        MapNode top = in.map(root, "", KEYS);
        Optional<String> costModel = in.opt(top, "costModel").map(e -> HostConfigParser.costModel(in, e.value(), dir));
        int vcpus = in.opt(top, "vcpus").map(e -> {
            long v = in.integer(e.value(), "vcpus", "4");
            if (v < 1 || v > MAX_VCPUS) throw in.error(e.value(), "vcpus", v + " is not a vCPU count", "give the flavor's vCPUs, 1.." + MAX_VCPUS + " (or leave vcpus out for one vCPU thread and no VCPU asked)");
            return (int) v;
        }).orElse(0);
        long memoryMb = in.opt(top, "memoryMb").map(e -> {
            long v = in.integer(e.value(), "memoryMb", "4096");
            if (v < 1) throw in.error(e.value(), "memoryMb", v + " MB is not a memory size", "give the flavor's RAM in MB, e.g. 4096 (or leave memoryMb out)");
            return v;
        }).orElse(0L);
        Map<String, Entry> need = new LinkedHashMap<>();
        for (Entry e : top.entries().values()) if (NEED_KEYS.contains(e.key())) need.put(e.key(), e);
        MapNode vmMap = new MapNode(top.loc(), need);
        VmConfig vm = vms.vm(in, vmMap, "", costModel.isPresent(), Optional.empty(), () -> {
            Entry n = need.get("name");
            return new VmLocator.Domain(n == null ? "vm" : in.text(n.value(), "name", "web1").strip());
        });
        return in.at(top, "", () -> new VmFile(vm, costModel, vcpus, memoryMb));
    }
}
