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
 * Boot starts the server before it tells anyone that it listens, so a request can arrive in the
 * moment between the bind and the end of apply(): this filter, first of all, answers it 503
 * instead of letting application code serve it as root. Once confined it only passes requests on.
 */
final class ServletGate implements Filter, Ordered {
  private final ConfineOnListen confine;

  ServletGate(ConfineOnListen confine) {
    this.confine = confine;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
    if (confine.healthy()) {
      chain.doFilter(request, response);
    } else {
      ((HttpServletResponse) response).sendError(HttpServletResponse.SC_SERVICE_UNAVAILABLE, "not confined yet");
    }
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
