package dev.confine.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
  private static final ConfineOnListen ASKED_NOT_DONE =
      new ConfineOnListen(Optional.of(Confinement.builder().root("/srv/app/jail").user("app").build()), 1);
  private static final ConfineOnListen NOT_ASKED = new ConfineOnListen(Optional.empty(), 0);

  /** An object of the interface that records each call as "name args" and answers null. */
  @SuppressWarnings("unchecked")
  private static <T> T recording(Class<T> type, List<String> calls) {
    return (T) Proxy.newProxyInstance(GateTest.class.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
      calls.add(method.getName() + (args == null ? "" : " " + List.of(args)));
      return method.getName().equals("setComplete") ? Mono.empty() : method.getReturnType() == boolean.class ? Boolean.TRUE : null;
    });
  }

  @Test
  void theServletGateAnswers503UntilConfinedAndPassesOnWhenNothingIsPending() throws Exception {
    List<String> calls = new ArrayList<>();
    ServletRequest request = recording(ServletRequest.class, calls);
    HttpServletResponse response = recording(HttpServletResponse.class, calls);
    FilterChain chain = (req, res) -> calls.add("chain");

    new ServletGate(ASKED_NOT_DONE).doFilter(request, response, chain);
    assertEquals(List.of("sendError [503, not confined yet]"), calls, "no application code before confinement");

    calls.clear();
    new ServletGate(NOT_ASKED).doFilter(request, response, chain);
    assertEquals(List.of("chain"), calls);
  }

  @Test
  void theReactiveGateAnswers503UntilConfined() {
    List<String> calls = new ArrayList<>();
    ServerHttpResponse response = recording(ServerHttpResponse.class, calls);
    ServerWebExchange exchange = (ServerWebExchange) Proxy.newProxyInstance(GateTest.class.getClassLoader(),
        new Class<?>[] {ServerWebExchange.class}, (proxy, method, args) -> method.getName().equals("getResponse") ? response : null);
    WebFilterChain chain = e -> {
      calls.add("chain");
      return Mono.empty();
    };

    new ReactiveGate(ASKED_NOT_DONE).filter(exchange, chain).block();
    assertEquals(List.of("setStatusCode [503 SERVICE_UNAVAILABLE]", "setComplete"), calls);
    assertFalse(calls.contains("chain"));

    calls.clear();
    new ReactiveGate(NOT_ASKED).filter(exchange, chain).block();
    assertEquals(List.of("chain"), calls);
  }
}
