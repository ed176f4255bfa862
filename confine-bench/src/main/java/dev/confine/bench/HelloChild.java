package dev.confine.bench;

/** A bare JVM start: the floor for "JVM start to confined". */
public final class HelloChild {
  private HelloChild() {}

  public static void main(String[] args) {
    System.out.println("HELLO");
  }
}
