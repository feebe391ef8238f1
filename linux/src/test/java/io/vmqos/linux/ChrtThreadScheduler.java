package io.vmqos.linux;

import io.vmqos.core.SchedAttributes;
import io.vmqos.core.SchedFlag;
import io.vmqos.core.SchedPolicy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test-only {@link ThreadScheduler} on top of util-linux {@code chrt}, until LinuxThreadScheduler (FFM) lands.
 * {@code chrt -p TID} prints policy, priority and for DEADLINE {@code runtime/deadline/period parameters}.
 */
final class ChrtThreadScheduler implements ThreadScheduler {
    private static final Pattern POLICY = Pattern.compile("scheduling policy: SCHED_([A-Z]+)(\\|SCHED_RESET_ON_FORK)?");
    private static final Pattern PRIO = Pattern.compile("scheduling priority: (\\d+)");
    private static final Pattern PARAMS = Pattern.compile("runtime/deadline/period parameters: (\\d+)/(\\d+)/(\\d+)");

    @Override
    public SchedAttributes get(int tid) {
        String out = run(tid, "chrt", "-p", Integer.toString(tid));
        return parse(tid, out);
    }

    static SchedAttributes parse(int tid, String out) {
        Matcher m = POLICY.matcher(out);
        if (!m.find()) throw new SchedException.Other(tid, 0, "chrt printed no policy: " + out);
        SchedPolicy policy = switch (m.group(1)) {
            case "OTHER" -> SchedPolicy.OTHER;
            case "FIFO" -> SchedPolicy.FIFO;
            case "RR" -> SchedPolicy.RR;
            case "BATCH" -> SchedPolicy.BATCH;
            case "IDLE" -> SchedPolicy.IDLE;
            case "DEADLINE" -> SchedPolicy.DEADLINE;
            default -> SchedPolicy.EXT;
        };
        long flags = m.group(2) != null ? SchedFlag.RESET_ON_FORK.bit() : 0;
        Matcher p = PRIO.matcher(out);
        int prio = p.find() ? Integer.parseInt(p.group(1)) : 0;
        if (policy != SchedPolicy.DEADLINE) return new SchedAttributes(policy, flags, 0, prio, 0, 0, 0);
        Matcher d = PARAMS.matcher(out);
        if (!d.find()) throw new SchedException.Other(tid, 0, "chrt printed no DEADLINE parameters: " + out);
        return new SchedAttributes(policy, flags, 0, 0, Long.parseLong(d.group(1)), Long.parseLong(d.group(2)), Long.parseLong(d.group(3)));
    }

    @Override
    public void set(int tid, SchedAttributes a) {
        List<String> cmd = new ArrayList<>(List.of("chrt"));
        if ((a.flags() & SchedFlag.RESET_ON_FORK.bit()) != 0) cmd.add("-R");
        switch (a.policy()) {
            case DEADLINE -> cmd.addAll(List.of("-d", "-T", Long.toString(a.runtimeNs()), "-D", Long.toString(a.deadlineNs()),
                    "-P", Long.toString(a.periodNs()), "-p", "0"));
            case FIFO -> cmd.addAll(List.of("-f", "-p", Integer.toString(a.priority())));
            case RR -> cmd.addAll(List.of("-r", "-p", Integer.toString(a.priority())));
            case BATCH -> cmd.addAll(List.of("-b", "-p", "0"));
            case IDLE -> cmd.addAll(List.of("-i", "-p", "0"));
            default -> cmd.addAll(List.of("-o", "-p", "0"));
        }
        cmd.add(Integer.toString(tid));
        run(tid, cmd.toArray(String[]::new));
    }

    private static String run(int tid, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) {
                if (out.contains("No such process")) throw new SchedException.ThreadGone(tid, "thread " + tid + " is gone");
                if (out.contains("Device or resource busy")) throw new SchedException.AdmissionRefused(tid, out.strip());
                throw new SchedException.Other(tid, 0, String.join(" ", cmd) + " failed: " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run chrt (util-linux): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
