package io.vmqos.linux.net;

import java.util.List;
import java.util.Locale;

/** Maps stderr of iproute2/ethtool/sysfs writes seen in practice to the fix an operator should apply. */
final class KnownErrors {
    private KnownErrors() {}

    static String fixFor(List<String> argv, String stderr) {
        String e = stderr == null ? "" : stderr.toLowerCase(Locale.ROOT);
        if (e.contains("cannot open network namespace") || e.contains("setting the network namespace"))
            return "create the namespace first (ip netns add NAME) or pass the right namespace name";
        if (e.contains("does not exist") || e.contains("cannot find device") || e.contains("no such device"))
            return "check the device name with 'ip link show' in the right namespace";
        if (e.contains("operation not permitted") || e.contains("permission denied"))
            return "run vmqos as root (or with CAP_NET_ADMIN)";
        if (e.contains("exclusivity flag on"))
            return "the device already has such a qdisc: remove it (tc qdisc del dev DEV root) or use replace";
        if (e.contains("specified qdisc kind is unknown") || e.contains("specified qdisc not found"))
            return "the kernel lacks this qdisc (CONFIG_NET_SCH_*): load its module (modprobe sch_NAME) or pick another (htb, tbf, pfifo)";
        if (e.contains("classifier not found"))
            return "the kernel lacks this tc classifier (CONFIG_NET_CLS_*): load it (modprobe cls_NAME) or use u32";
        if (e.contains("failed to load tc action"))
            return "the kernel lacks this tc action (CONFIG_NET_ACT_*): load it (modprobe act_NAME) or use an ifb mirror";
        if (e.contains("cannot find specified qdisc") || e.contains("invalid handle"))
            return "the parent qdisc/class does not exist; create the root qdisc first";
        if (e.contains("operation not supported"))
            return "the device or kernel does not support this operation";
        if (e.contains("no such file or directory") && argv.contains("tee"))
            return "the sysfs attribute does not exist on this kernel or device";
        return "";
    }
}
