package io.vmqos.linux.net;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmqos.core.net.DeviceKind;
import io.vmqos.core.net.NetDevice;
import io.vmqos.core.net.NetPath;
import io.vmqos.core.net.TapRef;
import io.vmqos.core.net.VmNetwork;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link PathDiscovery} on the real host: taps from {@code /proc/PID/fdinfo} ({@link TapDiscovery}), each tap's path
 * ({@link NetPathDiscovery}), and the far end of every veth port when it lives in this or a named namespace (the
 * lab's client-side veth, whose NAPI carries the VM's outgoing packets). Thread-safe.
 */
public final class SystemPathDiscovery implements PathDiscovery {
    private final IpRoute ip;
    private final TapDiscovery taps;
    private final NetPathDiscovery paths;

    public SystemPathDiscovery(IpRoute ip, TapDiscovery taps, NetPathDiscovery paths) {
        this.ip = ip;
        this.taps = taps;
        this.paths = paths;
    }

    public static SystemPathDiscovery system() {
        IpRoute ip = IpRoute.system();
        return new SystemPathDiscovery(ip, new TapDiscovery(), new NetPathDiscovery(ip, new KernelThreads(), new Interrupts()));
    }

    @Override
    public VmNetwork discover(int pid, String vm) {
        List<TapRef> refs = taps.tapsOf(pid);
        List<NetPath> found = new ArrayList<>();
        for (TapRef t : refs) found.add(paths.discover(t.name(), t.ns()));
        List<NetDevice> peers = new ArrayList<>();
        for (NetPath p : found) {
            for (NetDevice d : p.devices()) {
                if (d.kind() == DeviceKind.VETH) vethPeer(d).ifPresent(peers::add);
            }
        }
        return new VmNetwork(vm, refs, found, peers);
    }

    @Override
    public NetDevice device(String name, String ns) { return paths.device(name, ns); }

    /** The other end of a veth, when it lives in this or a named namespace. */
    private Optional<NetDevice> vethPeer(NetDevice d) {
        try {
            JsonNode link = ip.ipJson(d.ns(), "link", "show", "dev", d.name()).path(0);
            int peerIndex = link.path("link_index").asInt(0);
            if (peerIndex <= 0) return Optional.empty();
            String peerNs = d.ns();
            if (link.has("link_netnsid")) {
                int nsid = link.path("link_netnsid").asInt();
                peerNs = null;
                for (JsonNode n : ip.ipJson(d.ns(), "netns", "list-id")) {
                    if (n.path("nsid").asInt(-1) == nsid && n.hasNonNull("name")) peerNs = n.path("name").asText();
                }
                if (peerNs == null) return Optional.empty(); // unnamed (e.g. the root namespace): not followed
            }
            for (JsonNode l : ip.ipJson(peerNs, "link", "show")) {
                if (l.path("ifindex").asInt() == peerIndex) return Optional.of(paths.device(l.path("ifname").asText(), peerNs));
            }
        } catch (RuntimeException e) {
            // peer not reachable: the path still holds the near end
        }
        return Optional.empty();
    }
}
