// Owning pointers for the GLib/GObject values the testbed gets from umockdev.
#pragma once

#include <glib-object.h>

#include <memory>

namespace tessera::emulator {

struct GObjectUnref {
    void operator()(void* object) const noexcept {
        if (object != nullptr) g_object_unref(object);
    }
};

/// Owns one reference to a GObject.
template <class T>
using GObjectPtr = std::unique_ptr<T, GObjectUnref>;

/// Takes over a reference the caller already owns ("transfer full").
template <class T>
GObjectPtr<T> adopt_object(T* object) {
    return GObjectPtr<T>(object);
}

/// Adds a reference to an object the caller only borrows ("transfer none").
template <class T>
GObjectPtr<T> share_object(T* object) {
    if (object != nullptr) g_object_ref(object);
    return GObjectPtr<T>(object);
}

struct GFree {
    void operator()(void* memory) const noexcept { g_free(memory); }
};

/// Owns a string allocated by GLib.
using GCharPtr = std::unique_ptr<char, GFree>;

}  // namespace tessera::emulator
