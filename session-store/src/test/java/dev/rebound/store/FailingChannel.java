package dev.rebound.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** A file channel that fails where a full or broken disk would, once each time it is told to; otherwise the real one. */
final class FailingChannel extends FileChannel {
  private final FileChannel file;
  /** The next write puts half its bytes in the file, then fails. */
  volatile boolean failNextWriteHalfway;
  volatile boolean failNextForce;
  volatile boolean failNextTruncate;
  /** While set, every fsync waits for it: a disk that stalls. */
  volatile java.util.concurrent.CountDownLatch stallForce;

  FailingChannel(FileChannel file) {
    this.file = file;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (!failNextWriteHalfway) return file.write(src);
    failNextWriteHalfway = false;
    ByteBuffer half = src.duplicate();
    half.limit(src.position() + src.remaining() / 2);
    int n = file.write(half);
    src.position(src.position() + n);
    throw new IOException("No space left on device");
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    if (failNextTruncate) {
      failNextTruncate = false;
      throw new IOException("Input/output error");
    }
    file.truncate(size);
    return this;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    java.util.concurrent.CountDownLatch stall = stallForce;
    if (stall != null) {
      try {
        stall.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while the disk stalled", e);
      }
    }
    if (failNextForce) {
      failNextForce = false;
      throw new IOException("Input/output error");
    }
    file.force(metaData);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return file.read(dst);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    return file.read(dsts, offset, length);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    return file.write(srcs, offset, length);
  }

  @Override
  public long position() throws IOException {
    return file.position();
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    file.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    return file.size();
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    return file.transferTo(position, count, target);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
    return file.transferFrom(src, position, count);
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return file.read(dst, position);
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    return file.write(src, position);
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
    return file.map(mode, position, size);
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    return file.lock(position, size, shared);
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return file.tryLock(position, size, shared);
  }

  @Override
  protected void implCloseChannel() throws IOException {
    file.close();
  }
}
