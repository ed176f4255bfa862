package dev.confine.it.dropwizard;

import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.setup.Environment;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;

/** A Dropwizard application that knows nothing of confine: {@code java -jar app.jar server config.yml}. */
public class App extends Application<Configuration> {
  public static void main(String[] args) throws Exception {
    new App().run(args);
  }

  @Override
  public void run(Configuration configuration, Environment environment) {
    environment.jersey().register(new Api());
  }

  /** GET JSON, POST echo JSON, and a class of a dependency that nothing loaded before. */
  @Path("/")
  public static class Api {
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

    @GET
    @Path("late")
    @Produces(MediaType.TEXT_PLAIN)
    public String late() throws Exception {
      return Class.forName("com.fasterxml.jackson.databind.util.ISO8601Utils").getName();
    }
  }
}
