package dev.procpool.internal;

import java.io.Serializable;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * The list a {@code map} returns: it adopts the call's array of results instead of copying it into an
 * {@link java.util.ArrayList} (for a million results that copy, and the garbage it leaves, cost as much
 * as the rest of the caller's side), and is otherwise an ordinary mutable list.
 */
final class ResultList<E> extends AbstractList<E> implements RandomAccess, Serializable {
  private static final long serialVersionUID = 1L;

  private Object[] elements;
  private int size;

  /** Takes {@code elements} over; the caller must not touch it again. */
  ResultList(Object[] elements) {
    this.elements = elements;
    this.size = elements.length;
  }

  @Override
  @SuppressWarnings("unchecked")
  public E get(int index) {
    Objects.checkIndex(index, size);
    return (E) elements[index];
  }

  @Override
  public E set(int index, E element) {
    E old = get(index);
    elements[index] = element;
    return old;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public void add(int index, E element) {
    Objects.checkIndex(index, size + 1);
    modCount++;
    if (size == elements.length) {
      elements = Arrays.copyOf(elements, Math.max(10, size + (size >> 1)));
    }
    System.arraycopy(elements, index, elements, index + 1, size - index);
    elements[index] = element;
    size++;
  }

  @Override
  public E remove(int index) {
    E old = get(index);
    modCount++;
    System.arraycopy(elements, index + 1, elements, index, size - index - 1);
    elements[--size] = null;
    return old;
  }

  @Override
  public Object[] toArray() {
    return Arrays.copyOf(elements, size);
  }
}
