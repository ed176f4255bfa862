package dev.confine.spring;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;

/**
 * Boot starts a server before it tells anyone that it listens, so a request can arrive between
 * the listen and the end of apply(). This filter, first of all, holds it: the request's thread
 * waits until the application is confined, then the request goes on, served by a thread that is
 * no longer root (apply() drops every thread). Nothing of the application runs for it as root,
 * and the client gets its real answer rather than an error. The wait is bounded: the starter
 * halts the JVM when it is not confined by {@code confine.listen-timeout}.
 */
final class ServletGate implements Filter, Ordered {
  private final ConfineOnListen confine;

  ServletGate(ConfineOnListen confine) {
    this.confine = confine;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
    if (!confine.healthy() && !ConfineOnListen.NO_GATE) {
      try {
        confine.awaitConfined();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ((HttpServletResponse) response).sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "not confined yet");
        return;
      }
    }
    chain.doFilter(request, response);
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
