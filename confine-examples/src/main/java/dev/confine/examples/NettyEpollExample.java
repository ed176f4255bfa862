package dev.confine.examples;

import dev.confine.Confinement;
import dev.confine.ConfinementReport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Netty over its native epoll transport: the transport's shared library is extracted from its
 * jar to a temporary directory and loaded by the JVM, which must happen while /tmp and the jar's
 * resources can still be written and read: before chroot. Creating the event loop group and
 * binding do it; {@link Epoll#ensureAvailability()} proves it. Then the server confines itself
 * and answers with the ids it holds.
 *
 * <pre>
 * java -cp confine-examples/target/confine-examples.jar dev.confine.examples.NettyEpollExample
 *      [--port 8080] [--root /run/confine-example/netty] [--seconds N] ...
 * </pre>
 */
public final class NettyEpollExample {
  private static final Logger LOG = LoggerFactory.getLogger(NettyEpollExample.class);

  private NettyEpollExample() {}

  public static void main(String[] args) throws Exception {
    ExampleOptions options = ExampleOptions.parseOrExit("NettyEpollExample", 8080, Path.of("/run/confine-example/netty"), args);
    Path jail = Runs.jail(options.root);
    Runs.file(jail.resolve("hello.txt"), "this file lives in the Netty example's jail\n");

    // Loads libnetty_transport_native_epoll (extracted to java.io.tmpdir) now, while it can be.
    Epoll.ensureAvailability();
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    Channel listening =
        new ServerBootstrap()
            .group(group)
            .channel(EpollServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel channel) {
                    channel.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new IdentityHandler(jail, options.confine));
                  }
                })
            .bind(options.bind, options.port)
            .sync()
            .channel();
    LOG.info("native epoll transport loaded: {}", Epoll.isAvailable());

    if (options.confine) {
      ConfinementReport report = Confinement.builder().root(jail).user(options.uid).group(options.gid).build().apply();
      LOG.info("confinement report:\n{}", report);
    } else {
      LOG.warn("--no-confine: serving as root, not confined (a control run)");
    }

    int port = ((InetSocketAddress) listening.localAddress()).getPort();
    System.out.println("LISTENING http://" + options.bind + ":" + port + "/ (transport " + listening.getClass().getSimpleName() + ")");
    System.out.flush();
    Runs.runFor(options.seconds, () -> {
      listening.close().syncUninterruptibly();
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    });
  }

  private static final class IdentityHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Path jail;
    private final boolean confined;

    IdentityHandler(Path jail, boolean confined) {
      this.jail = jail;
      this.confined = confined;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext context, FullHttpRequest request) {
      String body = Runs.identityPage(jail, confined, "transport", context.channel().getClass().getSimpleName());
      FullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
      context.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
      LOG.warn("request failed: {}", cause.toString());
      context.close();
    }
  }
}
