package dev.confine.spring;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/** {@link ServletGate}'s twin for WebFlux: 503 until confined, so no handler runs as root. */
final class ReactiveGate implements WebFilter, Ordered {
  private final ConfineOnListen confine;

  ReactiveGate(ConfineOnListen confine) {
    this.confine = confine;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (confine.healthy()) {
      return chain.filter(exchange);
    }
    exchange.getResponse().setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
    return exchange.getResponse().setComplete();
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
