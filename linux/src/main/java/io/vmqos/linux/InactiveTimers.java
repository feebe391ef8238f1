package io.vmqos.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's armed SCHED_DEADLINE inactive timers, from {@code /proc/timer_list}: a thread that left DEADLINE
 * before its 0-lag time keeps its bandwidth in {@code dl_bw->total_bw} until its {@code inactive_task_timer} fires
 * (see {@link DeadlineExit}). When none is armed, a thread taken out of DEADLINE has either been counted out already or
 * leaked for good, so a root-domain rebuild can repair it at once without counting anything out twice; when some are,
 * waiting until the last one listed fires is enough. Timers beyond the exit's bound ({@link DeadlineExit#zeroLagBound})
 * are not the exit's (a thread that exited, or left DEADLINE long ago, after overrunning a reservation's runtime by far)
 * and are not waited for.
 *
 * <p>Stateless; any thread. {@code /proc/timer_list} is root-only and lists every CPU's hrtimers (a few hundred lines).
 */
public final class InactiveTimers {
    private static final Pattern ENTRY = Pattern.compile(
            "^ #\\d+: <[0-9a-f]+>, inactive_task_timer, S:\\d+\\R # expires at -?\\d+--?\\d+ nsecs \\[in (-?\\d+) to (-?\\d+) nsecs]",
            Pattern.MULTILINE);

    private final Path file;

    public InactiveTimers() { this(Path.of("/proc/timer_list")); }

    InactiveTimers(Path file) { this.file = file; }

    /**
     * How long until the last armed inactive timer that fires within {@code withinNs} fires: 0 when none is armed;
     * empty when the timer list cannot be read (not root, or a kernel without {@code /proc/timer_list}): the caller
     * then waits its own bound.
     */
    public OptionalLong lastFiresInNs(long withinNs) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException | SecurityException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(lastFiresInNs(text, withinNs));
    }

    /** {@link #lastFiresInNs(long)} of a timer list's text; an expired timer not yet run counts as firing now. */
    static long lastFiresInNs(String timerList, long withinNs) {
        if (!timerList.contains("inactive_task_timer")) return 0; // the common case, without the pattern
        long last = 0;
        boolean any = false;
        Matcher m = ENTRY.matcher(timerList);
        while (m.find()) {
            long in = Long.parseLong(m.group(2));
            if (in > withinNs) continue;
            any = true;
            last = Math.max(last, in);
        }
        return any ? Math.max(last, 1) : 0;
    }
}
