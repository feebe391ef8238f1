package io.vmqos.qemu;

import java.util.List;

/**
 * What discovery needs from a QEMU argv: the {@code -name} value and whether {@code debug-threads} is on.
 * Accepts {@code -name NAME[,debug-threads=on]} and {@code -name guest=NAME,debug-threads=on} (libvirt), with
 * QEMU's {@code ,,} escape for a comma. Pure; any thread.
 *
 * @param name         the VM name, empty if none
 * @param debugThreads whether QEMU names its threads ({@code CPU n/KVM}, {@code IO id})
 */
record QemuCommandLine(String name, boolean debugThreads) {

    static QemuCommandLine parse(List<String> argv) {
        String name = "";
        boolean debug = false;
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            String value;
            if ((a.equals("-name") || a.equals("--name")) && i + 1 < argv.size()) {
                value = argv.get(++i);
            } else if (a.startsWith("-name=") || a.startsWith("--name=")) {
                value = a.substring(a.indexOf('=') + 1);
            } else {
                continue;
            }
            List<String> parts = splitOptions(value);
            for (int p = 0; p < parts.size(); p++) {
                String part = parts.get(p);
                int eq = part.indexOf('=');
                if (p == 0 && eq < 0) name = part;
                else if (part.startsWith("guest=")) name = part.substring(6);
                else if (part.startsWith("debug-threads=")) debug = isOn(part.substring(14));
            }
        }
        return new QemuCommandLine(name, debug);
    }

    private static boolean isOn(String v) {
        return v.equals("on") || v.equals("yes") || v.equals("true") || v.equals("y");
    }

    /** Splits QEMU option text on ',' where ",," stands for a literal comma. */
    private static List<String> splitOptions(String s) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',') {
                if (i + 1 < s.length() && s.charAt(i + 1) == ',') {
                    cur.append(',');
                    i++;
                } else {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
