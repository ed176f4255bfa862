package dev.confine.it.quarkus;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;

/** GET JSON, POST echo JSON, and a class of a dependency's jar that nothing loaded before. */
@Path("/")
public class Api {
  @GET
  @Path("hello")
  @Produces(MediaType.APPLICATION_JSON)
  public Map<String, Object> hello() {
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("message", "hello");
    answer.put("etcPasswdVisible", new java.io.File("/etc/passwd").exists());
    return answer;
  }

  @POST
  @Path("echo")
  @Consumes(MediaType.APPLICATION_JSON)
  @Produces(MediaType.APPLICATION_JSON)
  public Map<String, Object> echo(Map<String, Object> body) {
    Map<String, Object> answer = new LinkedHashMap<>(body);
    answer.put("echoed", true);
    return answer;
  }

  /** Loads, on first call, a class of lib/main's Jackson jar that the start never needed. */
  @GET
  @Path("late")
  @Produces(MediaType.TEXT_PLAIN)
  public String late() throws Exception {
    return Class.forName("com.fasterxml.jackson.databind.util.ISO8601Utils").getName();
  }
}
