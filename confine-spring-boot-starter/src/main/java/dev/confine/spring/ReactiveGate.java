package dev.confine.spring;

import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * {@link ServletGate}'s twin for WebFlux: a request that arrives before confinement waits for it,
 * without blocking the event loop (which may still have a server to bind), and then goes on, on
 * a thread of Reactor's parallel scheduler rather than on the thread that ran apply().
 */
final class ReactiveGate implements WebFilter, Ordered {
  private final ConfineOnListen confine;

  ReactiveGate(ConfineOnListen confine) {
    this.confine = confine;
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    if (confine.healthy() || ConfineOnListen.NO_GATE) {
      return chain.filter(exchange);
    }
    return Mono.fromCompletionStage(confine.confinement()).publishOn(Schedulers.parallel()).then(Mono.defer(() -> chain.filter(exchange)));
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
