package dev.confine.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/**
 * A kernel that passes every call on; a test declares one call (a method of {@link Kernel}'s, by
 * name and parameters) in an anonymous subclass, calling {@link #delegate} for what it passes on,
 * and hands {@link #kernel()} to confine. A proxy over {@code Kernel}, not a copy of its method
 * list: a new call of {@code Kernel} needs no change here. As {@code @Override} would, a declared
 * method that is not one of {@code Kernel}'s is refused at once.
 */
abstract class ForwardingKernel {
  protected final Kernel delegate;

  ForwardingKernel(Kernel delegate) {
    this.delegate = delegate;
  }

  /** The kernel that makes the declared calls this way and passes every other on. */
  final Kernel kernel() {
    Map<Method, Method> declared = new HashMap<>();
    for (Method method : getClass().getDeclaredMethods()) {
      if (method.isSynthetic() || Modifier.isStatic(method.getModifiers())) {
        continue;
      }
      try {
        declared.put(Kernel.class.getMethod(method.getName(), method.getParameterTypes()), method);
        method.setAccessible(true);
      } catch (NoSuchMethodException e) {
        throw new IllegalArgumentException(method + " is not a method of Kernel: nothing would call it", e);
      }
    }
    return (Kernel) Proxy.newProxyInstance(Kernel.class.getClassLoader(), new Class<?>[] {Kernel.class}, (proxy, method, arguments) -> {
      if (method.getDeclaringClass() == Object.class) {
        return method.getName().equals("equals") ? proxy == arguments[0]
            : method.getName().equals("hashCode") ? System.identityHashCode(proxy) : "ForwardingKernel over " + delegate;
      }
      Method own = declared.get(method);
      try {
        return own != null ? own.invoke(this, arguments) : method.invoke(delegate, arguments);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    });
  }
}
