package io.vmqos.lab.report;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import java.util.List;

/** Medians over rounds; the mean of the two middle values for an even count. Pure. */
public final class Medians {
    private Medians() {}

    static <T> long ofLong(List<T> items, ToLongFunction<T> metric) {
        long[] v = items.stream().mapToLong(metric).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : Math.round((v[n / 2 - 1] + (double) v[n / 2]) / 2);
    }

    public static <T> double ofDouble(List<T> items, ToDoubleFunction<T> metric) {
        double[] v = items.stream().mapToDouble(metric).toArray();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
