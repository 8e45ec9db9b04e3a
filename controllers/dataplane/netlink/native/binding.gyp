{
  "targets": [
    {
      "target_name": "nodenet_native",
      "sources": ["nodenet_native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"]
    },
    {
      "target_name": "nodenet_nft",
      "sources": ["../../firewall/native/nodenet_nft.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
