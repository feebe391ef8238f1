package io.vmqos.host.service;

import java.util.Map;
import java.util.TreeMap;

/** {@code apply -f} needs every VM of the file running and readable; these are not, so nothing was changed. */
public final class VmNotFoundException extends RuntimeException {
    public VmNotFoundException(HostObserver.VmsSeen seen) {
        super(message(seen));
    }

    private static String message(HostObserver.VmsSeen seen) {
        Map<String, String> all = new TreeMap<>(seen.notRunning());
        all.putAll(seen.unobservable());
        StringBuilder sb = new StringBuilder();
        all.forEach((vm, why) -> sb.append(sb.isEmpty() ? "" : "; ").append("vm ").append(vm).append(": ").append(why));
        return sb + " (nothing changed; fix: start the VM or remove it from the file)";
    }
}
