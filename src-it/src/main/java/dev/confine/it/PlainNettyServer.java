package dev.confine.it;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@link PlainServer}'s twin on Netty, knowing nothing of confine: the same answers ("hello"; for
 * /file/NAME the first line of NAME), over Netty's NIO transport (the JDK's listen) or its
 * native epoll transport (listen(2) called from C, through Netty's own Socket.listen). The agent
 * ITs start it with -javaagent and only Netty beside it on the class path.
 *
 * <p>Arguments: port, then {@code nio} or {@code epoll}.
 */
public final class PlainNettyServer {
  private PlainNettyServer() {}

  public static void main(String[] args) throws Exception {
    System.out.println("MAIN started");
    int port = Integer.parseInt(args[0]);
    boolean epoll = args[1].equals("epoll");
    if (epoll) {
      Epoll.ensureAvailability();
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    new ServerBootstrap()
        .group(group)
        .channel(channel)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192), new FileHandler());
          }
        })
        .bind(InetAddress.getLoopbackAddress(), port)
        .sync();
    System.out.println("MAIN listening on " + port + " (" + channel.getSimpleName() + ")");
  }

  private static final class FileHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext context, FullHttpRequest request) {
      String path = request.uri();
      String body;
      try {
        body = path.startsWith("/file/") ? Files.readAllLines(Path.of(path.substring(5))).get(0) : "hello";
      } catch (Exception e) {
        body = "error " + e.getClass().getSimpleName();
      }
      FullHttpResponse response =
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
      context.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
      context.close();
    }
  }
}
