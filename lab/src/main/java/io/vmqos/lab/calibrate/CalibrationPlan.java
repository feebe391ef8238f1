package io.vmqos.lab.calibrate;

import java.util.ArrayList;
import java.util.List;

/**
 * The order in which the grid of rates × sizes is measured. Pure.
 *
 * <p>Slow drifts of a shared machine (another job starting, thermal throttling) would bias the fit if the rates
 * were measured in increasing order: the drift would be read as a per-packet cost. So rates alternate between
 * the low and the high end (250, 2000, 500, 1000 for the defaults), each rate is measured at every size with the
 * size order alternating from one rate to the next, and each repetition reverses the previous one.
 */
public final class CalibrationPlan {
    private CalibrationPlan() {}

    /** Every point of {@code options}, {@code rates × sizes × repeat} of them, in measuring order. */
    public static List<CalibrationPoint> order(CalibrationOptions options) {
        List<Integer> sizes = options.sizes();
        List<Long> sortedRates = options.rates().stream().sorted().toList();
        List<Long> rateOrder = new ArrayList<>(sortedRates.size());
        for (int lo = 0, hi = sortedRates.size() - 1; lo <= hi; lo++, hi--) {
            rateOrder.add(sortedRates.get(lo));
            if (hi != lo) rateOrder.add(sortedRates.get(hi));
        }
        List<CalibrationPoint> out = new ArrayList<>(options.points());
        for (int round = 0; round < options.repeat(); round++) {
            List<CalibrationPoint> one = new ArrayList<>(rateOrder.size() * sizes.size());
            for (int i = 0; i < rateOrder.size(); i++) {
                for (int j = 0; j < sizes.size(); j++) {
                    int s = i % 2 == 0 ? j : sizes.size() - 1 - j;
                    one.add(new CalibrationPoint(rateOrder.get(i), sizes.get(s), round));
                }
            }
            if (round % 2 == 1) java.util.Collections.reverse(one);
            out.addAll(one);
        }
        return out;
    }
}
