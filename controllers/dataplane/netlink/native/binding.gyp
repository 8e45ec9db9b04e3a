{
  "targets": [
    {
      "target_name": "nodenet_native",
      "sources": ["nodenet_native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
