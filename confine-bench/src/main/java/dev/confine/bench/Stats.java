package dev.confine.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Median, min and max of a sample, rendered in milliseconds (or any unit). */
final class Stats {
  final List<Double> sorted;

  Stats(List<Double> values) {
    if (values.isEmpty()) {
      throw new IllegalArgumentException("no values");
    }
    List<Double> copy = new ArrayList<>(values);
    Collections.sort(copy);
    this.sorted = List.copyOf(copy);
  }

  static Stats ofNanosAsMillis(List<Long> nanos) {
    List<Double> ms = new ArrayList<>(nanos.size());
    for (long n : nanos) {
      ms.add(n / 1e6);
    }
    return new Stats(ms);
  }

  double median() {
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  double min() {
    return sorted.get(0);
  }

  double max() {
    return sorted.get(sorted.size() - 1);
  }

  int count() {
    return sorted.size();
  }

  /** "median | min | max" cells with one decimal. */
  String cells() {
    return f(median()) + " | " + f(min()) + " | " + f(max());
  }

  static String f(double value) {
    return String.format(Locale.ROOT, "%.1f", value);
  }

  static String f2(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
