package io.vmqos.linux;

/**
 * The few fields of {@code /proc/PID/task/TID/stat} the ledger needs. Pure parser; thread-safe.
 *
 * <p>The second field is {@code (comm)} and comm may itself contain spaces and parentheses, so fields are
 * counted after the LAST {@code ')'}.
 *
 * @param comm the name between the first '(' and the last ')'
 * @param startTime field 22, when the thread started, in clock ticks since boot: with the tid, its identity (a tid
 *     reused by a new thread has another start time)
 * @param processor field 39, the CPU the thread last ran on
 * @param policy field 41, the scheduling policy number (6 = SCHED_DEADLINE)
 */
public record ProcStat(int tid, String comm, long startTime, int processor, int policy) {
    private static final int FIRST_FIELD_AFTER_COMM = 3;

    /**
     * Parses one stat line.
     *
     * @throws IllegalArgumentException when the line is truncated or not a stat line
     */
    public static ProcStat parse(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        if (open < 0 || close < open) throw new IllegalArgumentException("not a /proc stat line: " + abbreviate(line));
        int tid = Integer.parseInt(line.substring(0, open).strip());
        String comm = line.substring(open + 1, close);
        // Walk fields after ')' without splitting the whole line: we need fields 22, 39 and 41 only.
        int field = FIRST_FIELD_AFTER_COMM - 1;
        int processor = -1, policy = -1;
        long startTime = -1;
        int i = close + 1, n = line.length();
        while (i < n && policy < 0) {
            while (i < n && line.charAt(i) == ' ') i++;
            int start = i;
            while (i < n && line.charAt(i) != ' ' && line.charAt(i) != '\n') i++;
            if (start == i) break;
            field++;
            if (field == 22) startTime = Long.parseLong(line, start, i, 10);
            else if (field == 39) processor = Integer.parseInt(line, start, i, 10);
            else if (field == 41) policy = Integer.parseInt(line, start, i, 10);
        }
        if (policy < 0) throw new IllegalArgumentException("stat line has only " + field + " fields, needs 41: " + abbreviate(line));
        return new ProcStat(tid, comm, startTime, processor, policy);
    }

    private static String abbreviate(String s) { return s.length() > 80 ? s.substring(0, 80) + "..." : s; }
}
