package dev.confine.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

class GateTest {
  private static final ConfineOnListen NOT_ASKED = new ConfineOnListen(Optional.empty(), 0);

  /** An object of the interface that records each call as "name args" and answers null. */
  @SuppressWarnings("unchecked")
  private static <T> T recording(Class<T> type, List<String> calls) {
    return (T) Proxy.newProxyInstance(GateTest.class.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
      calls.add(method.getName() + (args == null ? "" : " " + List.of(args)));
      return method.getName().equals("setComplete") ? Mono.empty() : method.getReturnType() == boolean.class ? Boolean.TRUE : null;
    });
  }

  /** A report as apply() gives it, from confine's fake kernel (no process is confined). */
  private static dev.confine.ConfinementReport report() {
    dev.confine.ConfinementPolicy policy = Confinement.builder().root("/srv/app/jail").user("app").build();
    return new dev.confine.testing.FakeKernel().directory("/srv/app/jail").user("app", 990, 990).apply(policy);
  }

  private static ConfineOnListen askedNotDone() {
    return new ConfineOnListen(Optional.of(Confinement.builder().root("/srv/app/jail").user("app").build()), 1);
  }

  @Test
  void theServletGateHoldsARequestUntilConfinedThenPassesItOn() throws Exception {
    List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    ServletRequest request = recording(ServletRequest.class, calls);
    HttpServletResponse response = recording(HttpServletResponse.class, calls);
    FilterChain chain = (req, res) -> calls.add("chain on " + Thread.currentThread().getName());
    ConfineOnListen confine = askedNotDone();
    Thread held = new Thread(() -> {
      try {
        new ServletGate(confine).doFilter(request, response, chain);
      } catch (Exception e) {
        calls.add("failed " + e);
      }
    }, "request");
    held.start();
    held.join(300);
    assertTrue(held.isAlive(), "held while not confined");
    assertEquals(List.of(), calls, "no application code, and no answer, before confinement");
    confine.confined(report());
    held.join(10_000);
    assertEquals(List.of("chain on request"), calls, "then the request goes on, on its own thread");

    calls.clear();
    new ServletGate(NOT_ASKED).doFilter(request, response, chain);
    assertEquals(1, calls.size());
    assertTrue(calls.get(0).startsWith("chain"), calls.toString());
  }

  @Test
  void theReactiveGateHoldsARequestUntilConfinedWithoutBlockingTheCaller() throws Exception {
    List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    ServerHttpResponse response = recording(ServerHttpResponse.class, calls);
    ServerWebExchange exchange = (ServerWebExchange) Proxy.newProxyInstance(GateTest.class.getClassLoader(),
        new Class<?>[] {ServerWebExchange.class}, (proxy, method, args) -> method.getName().equals("getResponse") ? response : null);
    WebFilterChain chain = e -> {
      calls.add("chain on " + Thread.currentThread().getName());
      return Mono.empty();
    };
    ConfineOnListen confine = askedNotDone();
    java.util.concurrent.CompletableFuture<Void> done = new ReactiveGate(confine).filter(exchange, chain).toFuture();
    Thread.sleep(300);
    assertFalse(done.isDone(), "held while not confined");
    assertEquals(List.of(), calls, "nothing answered, no handler run");
    confine.confined(report());
    done.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(1, calls.size(), calls.toString());
    assertTrue(calls.get(0).startsWith("chain on parallel-"), "off the thread that confined: " + calls);

    calls.clear();
    new ReactiveGate(NOT_ASKED).filter(exchange, chain).block();
    assertEquals(1, calls.size());
  }
}
