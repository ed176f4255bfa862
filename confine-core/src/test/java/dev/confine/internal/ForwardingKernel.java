package dev.confine.internal;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A kernel that passes every call on; tests override one call to make a faulty kernel. */
class ForwardingKernel implements Kernel {
  private final Kernel delegate;

  ForwardingKernel(Kernel delegate) {
    this.delegate = delegate;
  }

  @Override public String binding() { return delegate.binding(); }
  @Override public Ids getresuid() throws ErrnoException { return delegate.getresuid(); }
  @Override public Ids getresgid() throws ErrnoException { return delegate.getresgid(); }
  @Override public List<Long> getgroups() throws ErrnoException { return delegate.getgroups(); }
  @Override public void setgroups(List<Long> gids) throws ErrnoException { delegate.setgroups(gids); }
  @Override public void setresgid(long r, long e, long s) throws ErrnoException { delegate.setresgid(r, e, s); }
  @Override public void setresuid(long r, long e, long s) throws ErrnoException { delegate.setresuid(r, e, s); }
  @Override public void setuid(long uid) throws ErrnoException { delegate.setuid(uid); }
  @Override public void setgid(long gid) throws ErrnoException { delegate.setgid(gid); }
  @Override public Capabilities capabilities() throws ErrnoException { return delegate.capabilities(); }
  @Override public Optional<PasswdEntry> getpwnam(String name) throws ErrnoException { return delegate.getpwnam(name); }
  @Override public Optional<PasswdEntry> getpwuid(long uid) throws ErrnoException { return delegate.getpwuid(uid); }
  @Override public int openDirectoryNoFollow(String path) throws ErrnoException { return delegate.openDirectoryNoFollow(path); }
  @Override public FileStatus fstat(int fd) throws ErrnoException { return delegate.fstat(fd); }
  @Override public Optional<FileStatus> lstat(String path) throws ErrnoException { return delegate.lstat(path); }
  @Override public Optional<FileStatus> stat(String path) throws ErrnoException { return delegate.stat(path); }
  @Override public void fchdir(int fd) throws ErrnoException { delegate.fchdir(fd); }
  @Override public void chdir(String path) throws ErrnoException { delegate.chdir(path); }
  @Override public void chroot(String path) throws ErrnoException { delegate.chroot(path); }
  @Override public void close(int fd) throws ErrnoException { delegate.close(fd); }
  @Override public int openWorkingDirectory() throws ErrnoException { return delegate.openWorkingDirectory(); }
  @Override public java.util.OptionalInt openControllingTerminal() throws ErrnoException { return delegate.openControllingTerminal(); }
  @Override public boolean leadsSession() throws ErrnoException { return delegate.leadsSession(); }
  @Override public void leaveControllingTerminal(int fd) throws ErrnoException { delegate.leaveControllingTerminal(fd); }
  @Override public String getcwd() throws ErrnoException { return delegate.getcwd(); }
  @Override public int umask(int mask) { return delegate.umask(mask); }
  @Override public List<OpenFile> openFiles() throws ErrnoException { return delegate.openFiles(); }
  @Override public void walk(String directory, java.util.Set<String> doNotEnter, WalkVisitor visitor) throws ErrnoException { delegate.walk(directory, doNotEnter, visitor); }
  @Override public List<Mount> mounts() throws ErrnoException { return delegate.mounts(); }
  @Override public Optional<String> readText(String path) throws ErrnoException { return delegate.readText(path); }
  @Override public Optional<PosixAcl> acl(String path, boolean defaultAcl) throws ErrnoException { return delegate.acl(path, defaultAcl); }
  @Override public Optional<FileCapabilities> fileCapabilities(String path) throws ErrnoException { return delegate.fileCapabilities(path); }
  @Override public Optional<SocketPeer> unixSocketPeer(int fd) throws ErrnoException { return delegate.unixSocketPeer(fd); }
  @Override public FileStatus statAt(int dirFd, String path) throws ErrnoException { return delegate.statAt(dirFd, path); }
  @Override public int openParent(int directoryFd) throws ErrnoException { return delegate.openParent(directoryFd); }
  @Override public List<Integer> descriptorNumbers(int threadListFd) throws ErrnoException { return delegate.descriptorNumbers(threadListFd); }
  @Override public Map<Long, Ids> otherProcesses() throws ErrnoException { return delegate.otherProcesses(); }
  @Override public long threadId() throws ErrnoException { return delegate.threadId(); }
  @Override public int lastCapability() throws ErrnoException { return delegate.lastCapability(); }
  @Override public boolean inBoundingSet(int capability) throws ErrnoException { return delegate.inBoundingSet(capability); }
  @Override public void dropFromBoundingSet(int capability) throws ErrnoException { delegate.dropFromBoundingSet(capability); }
  @Override public void clearAmbientCapabilities() throws ErrnoException { delegate.clearAmbientCapabilities(); }
  @Override public void setKeepCapabilities(boolean keep) throws ErrnoException { delegate.setKeepCapabilities(keep); }
  @Override public void capset(long permitted, long effective, long inheritable) throws ErrnoException { delegate.capset(permitted, effective, inheritable); }
  @Override public long[] capget() throws ErrnoException { return delegate.capget(); }
  @Override public void setNoNewPrivileges() throws ErrnoException { delegate.setNoNewPrivileges(); }
  @Override public boolean noNewPrivileges() throws ErrnoException { return delegate.noNewPrivileges(); }
  @Override public List<dev.confine.internal.linux.ThreadStatus> threadStatuses() throws ErrnoException { return delegate.threadStatuses(); }
  @Override public int securebits() throws ErrnoException { return delegate.securebits(); }
  @Override public void setDumpable(boolean dumpable) throws ErrnoException { delegate.setDumpable(dumpable); }
  @Override public boolean dumpable() throws ErrnoException { return delegate.dumpable(); }
  @Override public void installSeccompFilterOnAllThreads(long[] program) throws ErrnoException { delegate.installSeccompFilterOnAllThreads(program); }
  @Override public int openThreadList() throws ErrnoException { return delegate.openThreadList(); }
  @Override public List<dev.confine.internal.linux.ThreadStatus> threadStatuses(int fd) throws ErrnoException { return delegate.threadStatuses(fd); }
  @Override public void pause(long nanos) { delegate.pause(nanos); }
  @Override public void openlog(String ident, int option, int facility) { delegate.openlog(ident, option, facility); }
  @Override public void syslog(int priority, String message) { delegate.syslog(priority, message); }
  @Override public Optional<String> environment(String name) { return delegate.environment(name); }
  @Override public long processId() { return delegate.processId(); }
  @Override public int unixDatagramSocket() throws ErrnoException { return delegate.unixDatagramSocket(); }
  @Override public void connect(int fd, String address) throws ErrnoException { delegate.connect(fd, address); }
  @Override public void send(int fd, byte[] message) throws ErrnoException { delegate.send(fd, message); }
}
