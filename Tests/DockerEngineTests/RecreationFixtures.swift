/// Inspect documents as Docker Engine 20.10 (API 1.41) returns them.
enum RecreationFixtures {
    /// lab1's `web`, captured read-only: `docker run -d --name web --network host --restart unless-stopped -v web-data:/data 10.247.213.2:5000/molt-lab/web:1.0`.
    static let web = #"""
        {
          "Id": "817f48207cee790f2a460c1d1f12105cd903f5e82e3bd54d72bd83a8215bc4df",
          "Created": "2026-11-29T11:56:13.343210277Z",
          "Path": "/bin/sh",
          "Args": [
            "/app/start"
          ],
          "State": {
            "Status": "running",
            "Running": true,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": false,
            "Dead": false,
            "Pid": 23748,
            "ExitCode": 0,
            "Error": "",
            "StartedAt": "2026-11-29T11:56:13.727713171Z",
            "FinishedAt": "0001-01-01T00:00:00Z",
            "Health": {
              "Status": "healthy",
              "FailingStreak": 0,
              "Log": [
                {
                  "Start": "2026-11-29T12:03:18.255893098Z",
                  "End": "2026-11-29T12:03:18.321517478Z",
                  "ExitCode": 0,
                  "Output": ""
                }
              ]
            }
          },
          "Image": "sha256:06c6993481dabacefc6539213b58cc8bb6a4b32a67133f2dbf4baa9eb9138e49",
          "ResolvConfPath": "/var/lib/molt-lab/lab1/docker/containers/817f48207cee790f2a460c1d1f12105cd903f5e82e3bd54d72bd83a8215bc4df/resolv.conf",
          "HostnamePath": "/var/lib/molt-lab/lab1/docker/containers/817f48207cee790f2a460c1d1f12105cd903f5e82e3bd54d72bd83a8215bc4df/hostname",
          "HostsPath": "/var/lib/molt-lab/lab1/docker/containers/817f48207cee790f2a460c1d1f12105cd903f5e82e3bd54d72bd83a8215bc4df/hosts",
          "LogPath": "/var/lib/molt-lab/lab1/docker/containers/817f48207cee790f2a460c1d1f12105cd903f5e82e3bd54d72bd83a8215bc4df/817f48207cee790f2a460c1d1f12105cd903f5e82e3bd54d72bd83a8215bc4df-json.log",
          "Name": "/web",
          "RestartCount": 0,
          "Driver": "overlay2",
          "Platform": "linux",
          "MountLabel": "",
          "ProcessLabel": "",
          "AppArmorProfile": "",
          "ExecIDs": null,
          "HostConfig": {
            "Binds": [
              "web-data:/data"
            ],
            "ContainerIDFile": "",
            "LogConfig": {
              "Type": "json-file",
              "Config": {}
            },
            "NetworkMode": "host",
            "PortBindings": {},
            "RestartPolicy": {
              "Name": "unless-stopped",
              "MaximumRetryCount": 0
            },
            "AutoRemove": false,
            "VolumeDriver": "",
            "VolumesFrom": null,
            "CapAdd": null,
            "CapDrop": null,
            "CgroupnsMode": "host",
            "Dns": [],
            "DnsOptions": [],
            "DnsSearch": [],
            "ExtraHosts": null,
            "GroupAdd": null,
            "IpcMode": "private",
            "Cgroup": "",
            "Links": null,
            "OomScoreAdj": 0,
            "PidMode": "",
            "Privileged": false,
            "PublishAllPorts": false,
            "ReadonlyRootfs": false,
            "SecurityOpt": null,
            "UTSMode": "",
            "UsernsMode": "",
            "ShmSize": 67108864,
            "Runtime": "runc",
            "ConsoleSize": [
              0,
              0
            ],
            "Isolation": "",
            "CpuShares": 0,
            "Memory": 0,
            "NanoCpus": 0,
            "CgroupParent": "",
            "BlkioWeight": 0,
            "BlkioWeightDevice": [],
            "BlkioDeviceReadBps": [],
            "BlkioDeviceWriteBps": [],
            "BlkioDeviceReadIOps": [],
            "BlkioDeviceWriteIOps": [],
            "CpuPeriod": 0,
            "CpuQuota": 0,
            "CpuRealtimePeriod": 0,
            "CpuRealtimeRuntime": 0,
            "CpusetCpus": "",
            "CpusetMems": "",
            "Devices": [],
            "DeviceCgroupRules": null,
            "DeviceRequests": null,
            "KernelMemory": 0,
            "KernelMemoryTCP": 0,
            "MemoryReservation": 0,
            "MemorySwap": 0,
            "MemorySwappiness": null,
            "OomKillDisable": false,
            "PidsLimit": null,
            "Ulimits": [],
            "CpuCount": 0,
            "CpuPercent": 0,
            "IOMaximumIOps": 0,
            "IOMaximumBandwidth": 0,
            "MaskedPaths": [
              "/proc/asound",
              "/proc/acpi",
              "/proc/kcore",
              "/proc/keys",
              "/proc/latency_stats",
              "/proc/timer_list",
              "/proc/timer_stats",
              "/proc/sched_debug",
              "/proc/scsi",
              "/sys/firmware"
            ],
            "ReadonlyPaths": [
              "/proc/bus",
              "/proc/fs",
              "/proc/irq",
              "/proc/sys",
              "/proc/sysrq-trigger"
            ]
          },
          "GraphDriver": {
            "Data": {
              "LowerDir": "/var/lib/molt-lab/lab1/docker/overlay2/5ffec3e0ff46027db9d42ee71bf7cd8b3723dbcbd97839f27de1787cc5d23cb1-init/diff:/var/lib/molt-lab/lab1/docker/overlay2/4961a2158100c76d67ae36475e39a6b6e4c7fce603978589be26e73fd6f115b4/diff",
              "MergedDir": "/var/lib/molt-lab/lab1/docker/overlay2/5ffec3e0ff46027db9d42ee71bf7cd8b3723dbcbd97839f27de1787cc5d23cb1/merged",
              "UpperDir": "/var/lib/molt-lab/lab1/docker/overlay2/5ffec3e0ff46027db9d42ee71bf7cd8b3723dbcbd97839f27de1787cc5d23cb1/diff",
              "WorkDir": "/var/lib/molt-lab/lab1/docker/overlay2/5ffec3e0ff46027db9d42ee71bf7cd8b3723dbcbd97839f27de1787cc5d23cb1/work"
            },
            "Name": "overlay2"
          },
          "Mounts": [
            {
              "Type": "volume",
              "Name": "web-data",
              "Source": "/var/lib/molt-lab/lab1/docker/volumes/web-data/_data",
              "Destination": "/data",
              "Driver": "local",
              "Mode": "z",
              "RW": true,
              "Propagation": ""
            }
          ],
          "Config": {
            "Hostname": "vm",
            "Domainname": "",
            "User": "",
            "AttachStdin": false,
            "AttachStdout": false,
            "AttachStderr": false,
            "ExposedPorts": {
              "8080/tcp": {}
            },
            "Tty": false,
            "OpenStdin": false,
            "StdinOnce": false,
            "Env": [
              "PORT=8080"
            ],
            "Cmd": [
              "/bin/sh",
              "/app/start"
            ],
            "Healthcheck": {
              "Test": [
                "CMD-SHELL",
                "wget -q -O /dev/null \"http://127.0.0.1:${PORT}/health\" || exit 1"
              ],
              "Interval": 1000000000,
              "Timeout": 2000000000,
              "Retries": 3
            },
            "Image": "10.247.213.2:5000/molt-lab/web:1.0",
            "Volumes": {
              "/data": {}
            },
            "WorkingDir": "",
            "Entrypoint": null,
            "OnBuild": null,
            "Labels": {
              "org.opencontainers.image.title": "molt lab web service",
              "org.opencontainers.image.version": "1.0"
            }
          },
          "NetworkSettings": {
            "Bridge": "",
            "SandboxID": "27c7a1441fe9325bbdbf171bdbaeaeb05aada3dfff304735febf1faeb39cf362",
            "HairpinMode": false,
            "LinkLocalIPv6Address": "",
            "LinkLocalIPv6PrefixLen": 0,
            "Ports": {},
            "SandboxKey": "/run/molt-lab/lab1/x/netns/default",
            "SecondaryIPAddresses": null,
            "SecondaryIPv6Addresses": null,
            "EndpointID": "",
            "Gateway": "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "IPAddress": "",
            "IPPrefixLen": 0,
            "IPv6Gateway": "",
            "MacAddress": "",
            "Networks": {
              "host": {
                "IPAMConfig": null,
                "Links": null,
                "Aliases": null,
                "NetworkID": "aaa77e540401208589818fbfbf275cd465154da4950f54ce377d3f47c07c03d5",
                "EndpointID": "d510f995a89a6f0a1c39475f8d3097be7c49ecee4414e50bb25c90fc1a16ad13",
                "Gateway": "",
                "IPAddress": "",
                "IPPrefixLen": 0,
                "IPv6Gateway": "",
                "GlobalIPv6Address": "",
                "GlobalIPv6PrefixLen": 0,
                "MacAddress": "",
                "DriverOpts": null
              }
            }
          }
        }
        """#

    /// The image lab1's `web` runs: `ENV PORT=8080`, `CMD ["/bin/sh", "/app/start"]`, a HEALTHCHECK, `VOLUME /data`, two labels.
    static let webImage = #"""
        {
          "Id": "sha256:06c6993481dabacefc6539213b58cc8bb6a4b32a67133f2dbf4baa9eb9138e49",
          "RepoTags": [
            "10.247.213.2:5000/molt-lab/web:1.0"
          ],
          "RepoDigests": [
            "10.247.213.2:5000/molt-lab/web@sha256:d809aa45e68b3b26e036fdb8417da9b5ab77a096105426d3344f36fc02d15f12"
          ],
          "Parent": "",
          "Comment": "Imported from -",
          "Created": "2026-11-29T11:56:11.19450739Z",
          "Container": "",
          "ContainerConfig": {
            "Hostname": "",
            "Domainname": "",
            "User": "",
            "AttachStdin": false,
            "AttachStdout": false,
            "AttachStderr": false,
            "Tty": false,
            "OpenStdin": false,
            "StdinOnce": false,
            "Env": null,
            "Cmd": null,
            "Image": "",
            "Volumes": null,
            "WorkingDir": "",
            "Entrypoint": null,
            "OnBuild": null,
            "Labels": null
          },
          "DockerVersion": "20.10.24+dfsg1",
          "Author": "",
          "Config": {
            "Hostname": "",
            "Domainname": "",
            "User": "",
            "AttachStdin": false,
            "AttachStdout": false,
            "AttachStderr": false,
            "ExposedPorts": {
              "8080/tcp": {}
            },
            "Tty": false,
            "OpenStdin": false,
            "StdinOnce": false,
            "Env": [
              "PORT=8080"
            ],
            "Cmd": [
              "/bin/sh",
              "/app/start"
            ],
            "Healthcheck": {
              "Test": [
                "CMD-SHELL",
                "wget -q -O /dev/null \"http://127.0.0.1:${PORT}/health\" || exit 1"
              ],
              "Interval": 1000000000,
              "Timeout": 2000000000,
              "Retries": 3
            },
            "Image": "",
            "Volumes": {
              "/data": {}
            },
            "WorkingDir": "",
            "Entrypoint": null,
            "OnBuild": null,
            "Labels": {
              "org.opencontainers.image.title": "molt lab web service",
              "org.opencontainers.image.version": "1.0"
            }
          },
          "Architecture": "amd64",
          "Os": "linux",
          "Size": 1988674,
          "VirtualSize": 1988674,
          "GraphDriver": {
            "Data": {
              "MergedDir": "/var/lib/molt-lab/lab1/docker/overlay2/4961a2158100c76d67ae36475e39a6b6e4c7fce603978589be26e73fd6f115b4/merged",
              "UpperDir": "/var/lib/molt-lab/lab1/docker/overlay2/4961a2158100c76d67ae36475e39a6b6e4c7fce603978589be26e73fd6f115b4/diff",
              "WorkDir": "/var/lib/molt-lab/lab1/docker/overlay2/4961a2158100c76d67ae36475e39a6b6e4c7fce603978589be26e73fd6f115b4/work"
            },
            "Name": "overlay2"
          },
          "RootFS": {
            "Type": "layers",
            "Layers": [
              "sha256:6024f404fbbaffe20dc60079dcf1bbab9c34ed8f58c54dddf989ba8c26a8f537"
            ]
          },
          "Metadata": {
            "LastTagTime": "0001-01-01T00:00:00Z"
          }
        }
        """#

    /// `api` on the default bridge, linked to `db`, then connected to `backend` (static address, alias `api-svc`) and `frontend` (alias `api`, link); `-p 8080:80`, `-v /cache`, `-e APP_HOME=/data/app -e LOG_LEVEL=info -e API_TOKEN=s3cret`, `--health-interval 10s`, `--domainname corp.example`, two user labels.
    static let api = #"""
        {
          "Id": "17b5b6ae190ca84fdb414cecbec4c53ef25b5d94bd6036749a86c477d1ef28b4",
          "Created": "2026-11-28T16:40:51.904816512Z",
          "Path": "/usr/local/bin/api",
          "Args": [
            "--workers",
            "4"
          ],
          "State": {
            "Status": "running",
            "Running": true,
            "Paused": false,
            "Restarting": false,
            "OOMKilled": false,
            "Dead": false,
            "Pid": 4121,
            "ExitCode": 0,
            "Error": "",
            "StartedAt": "2026-11-28T16:40:52.377104218Z",
            "FinishedAt": "0001-01-01T00:00:00Z",
            "Health": {
              "Status": "healthy",
              "FailingStreak": 0,
              "Log": [
                {
                  "Start": "2026-11-29T12:01:02.1Z",
                  "End": "2026-11-29T12:01:02.2Z",
                  "ExitCode": 0,
                  "Output": "ok"
                }
              ]
            }
          },
          "Image": "sha256:f9990a522bfda72168d765b3b86646b628f2cd1688f14dcdfcbc2efbeceb1ef8",
          "ResolvConfPath": "/var/lib/docker/containers/17b5b6ae190ca84fdb414cecbec4c53ef25b5d94bd6036749a86c477d1ef28b4/resolv.conf",
          "HostnamePath": "/var/lib/docker/containers/17b5b6ae190ca84fdb414cecbec4c53ef25b5d94bd6036749a86c477d1ef28b4/hostname",
          "HostsPath": "/var/lib/docker/containers/17b5b6ae190ca84fdb414cecbec4c53ef25b5d94bd6036749a86c477d1ef28b4/hosts",
          "LogPath": "/var/lib/docker/containers/17b5b6ae190ca84fdb414cecbec4c53ef25b5d94bd6036749a86c477d1ef28b4/17b5b6ae190ca84fdb414cecbec4c53ef25b5d94bd6036749a86c477d1ef28b4-json.log",
          "Name": "/api",
          "RestartCount": 0,
          "Driver": "overlay2",
          "Platform": "linux",
          "MountLabel": "",
          "ProcessLabel": "",
          "AppArmorProfile": "docker-default",
          "ExecIDs": null,
          "HostConfig": {
            "Binds": [
              "api-config:/etc/api:ro",
              "/srv/certs:/certs:ro"
            ],
            "ContainerIDFile": "",
            "LogConfig": {
              "Type": "json-file",
              "Config": {
                "max-size": "10m"
              }
            },
            "NetworkMode": "default",
            "PortBindings": {
              "80/tcp": [
                {
                  "HostIp": "",
                  "HostPort": "8080"
                }
              ]
            },
            "RestartPolicy": {
              "Name": "on-failure",
              "MaximumRetryCount": 5
            },
            "AutoRemove": false,
            "VolumeDriver": "",
            "VolumesFrom": null,
            "CapAdd": null,
            "CapDrop": null,
            "CgroupnsMode": "host",
            "Dns": [],
            "DnsOptions": [],
            "DnsSearch": [],
            "ExtraHosts": [
              "metrics.internal:10.247.213.9"
            ],
            "GroupAdd": null,
            "IpcMode": "private",
            "Cgroup": "",
            "Links": [
              "/db:/api/database"
            ],
            "OomScoreAdj": 0,
            "PidMode": "",
            "Privileged": false,
            "PublishAllPorts": false,
            "ReadonlyRootfs": false,
            "SecurityOpt": null,
            "UTSMode": "",
            "UsernsMode": "",
            "ShmSize": 67108864,
            "Runtime": "runc",
            "ConsoleSize": [
              0,
              0
            ],
            "Isolation": "",
            "CpuShares": 0,
            "Memory": 536870912,
            "NanoCpus": 1500000000,
            "CgroupParent": "",
            "BlkioWeight": 0,
            "BlkioWeightDevice": [],
            "BlkioDeviceReadBps": null,
            "BlkioDeviceWriteBps": null,
            "BlkioDeviceReadIOps": null,
            "BlkioDeviceWriteIOps": null,
            "CpuPeriod": 0,
            "CpuQuota": 0,
            "CpuRealtimePeriod": 0,
            "CpuRealtimeRuntime": 0,
            "CpusetCpus": "",
            "CpusetMems": "",
            "Devices": [],
            "DeviceCgroupRules": null,
            "DeviceRequests": null,
            "KernelMemory": 0,
            "KernelMemoryTCP": 0,
            "MemoryReservation": 0,
            "MemorySwap": 1073741824,
            "MemorySwappiness": null,
            "OomKillDisable": false,
            "PidsLimit": null,
            "Ulimits": null,
            "CpuCount": 0,
            "CpuPercent": 0,
            "IOMaximumIOps": 0,
            "IOMaximumBandwidth": 0,
            "MaskedPaths": [
              "/proc/asound",
              "/proc/acpi",
              "/proc/kcore",
              "/proc/keys",
              "/proc/latency_stats",
              "/proc/timer_list",
              "/proc/timer_stats",
              "/proc/sched_debug",
              "/proc/scsi",
              "/sys/firmware"
            ],
            "ReadonlyPaths": [
              "/proc/bus",
              "/proc/fs",
              "/proc/irq",
              "/proc/sys",
              "/proc/sysrq-trigger"
            ]
          },
          "GraphDriver": {
            "Data": {},
            "Name": "overlay2"
          },
          "Mounts": [
            {
              "Type": "volume",
              "Name": "api-config",
              "Source": "/var/lib/docker/volumes/api-config/_data",
              "Destination": "/etc/api",
              "Driver": "local",
              "Mode": "ro",
              "RW": false,
              "Propagation": ""
            },
            {
              "Type": "bind",
              "Source": "/srv/certs",
              "Destination": "/certs",
              "Mode": "ro",
              "RW": false,
              "Propagation": "rprivate"
            },
            {
              "Type": "volume",
              "Name": "9179011cee278f956c48089ca95138b829cc42cb1cd0ba9a8ac67bc6a8fff336",
              "Source": "/var/lib/docker/volumes/9179011cee278f956c48089ca95138b829cc42cb1cd0ba9a8ac67bc6a8fff336/_data",
              "Destination": "/cache",
              "Driver": "local",
              "Mode": "",
              "RW": true,
              "Propagation": ""
            },
            {
              "Type": "volume",
              "Name": "11df0e290fdc58685b1eb564f205d97c7ca8c322f594850c298342f5287ca35a",
              "Source": "/var/lib/docker/volumes/11df0e290fdc58685b1eb564f205d97c7ca8c322f594850c298342f5287ca35a/_data",
              "Destination": "/var/lib/api",
              "Driver": "local",
              "Mode": "",
              "RW": true,
              "Propagation": ""
            }
          ],
          "Config": {
            "Hostname": "17b5b6ae190c",
            "Domainname": "corp.example",
            "User": "app",
            "AttachStdin": false,
            "AttachStdout": false,
            "AttachStderr": false,
            "ExposedPorts": {
              "80/tcp": {},
              "9090/tcp": {}
            },
            "Tty": false,
            "OpenStdin": false,
            "StdinOnce": false,
            "Env": [
              "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
              "APP_HOME=/data/app",
              "LOG_LEVEL=info",
              "API_TOKEN=s3cret"
            ],
            "Cmd": [
              "--workers",
              "4"
            ],
            "Healthcheck": {
              "Test": [
                "CMD",
                "curl",
                "-fsS",
                "http://localhost/health"
              ],
              "Interval": 10000000000,
              "Timeout": 5000000000,
              "Retries": 3
            },
            "Image": "10.247.213.2:5000/molt-lab/api:1.0",
            "Volumes": {
              "/cache": {},
              "/var/lib/api": {}
            },
            "WorkingDir": "/srv/app",
            "Entrypoint": [
              "/usr/local/bin/api"
            ],
            "OnBuild": null,
            "Labels": {
              "com.example.tier": "backend",
              "maintainer": "ops@example.com",
              "org.opencontainers.image.version": "1.0",
              "team": "payments"
            },
            "StopSignal": "SIGQUIT"
          },
          "NetworkSettings": {
            "Bridge": "",
            "SandboxID": "e7a1c0f4b2d39e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f",
            "HairpinMode": false,
            "LinkLocalIPv6Address": "",
            "LinkLocalIPv6PrefixLen": 0,
            "Ports": {
              "80/tcp": [
                {
                  "HostIp": "0.0.0.0",
                  "HostPort": "8080"
                },
                {
                  "HostIp": "::",
                  "HostPort": "8080"
                }
              ],
              "9090/tcp": null
            },
            "SandboxKey": "/var/run/docker/netns/e7a1c0f4b2d3",
            "SecondaryIPAddresses": null,
            "SecondaryIPv6Addresses": null,
            "EndpointID": "eb275a48b697b7471c6fe8d160a96f1a38b6cebb38063f49bc5478bef1c801f4",
            "Gateway": "172.17.0.1",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "IPAddress": "172.17.0.3",
            "IPPrefixLen": 16,
            "IPv6Gateway": "",
            "MacAddress": "02:42:ac:11:00:03",
            "Networks": {
              "backend": {
                "IPAMConfig": {
                  "IPv4Address": "172.30.0.10"
                },
                "Links": null,
                "Aliases": [
                  "api-svc",
                  "17b5b6ae190c"
                ],
                "NetworkID": "eec0e7132b2d90704e8c9bdd86beb68d31bb3df71849249286fe0db796d4fdb4",
                "EndpointID": "95d37463174cb01d375e139f537866e3babc0644e478825587e778a7d0301ce0",
                "Gateway": "172.30.0.1",
                "IPAddress": "172.30.0.10",
                "IPPrefixLen": 16,
                "IPv6Gateway": "",
                "GlobalIPv6Address": "",
                "GlobalIPv6PrefixLen": 0,
                "MacAddress": "02:42:ac:1e:00:0a",
                "DriverOpts": null
              },
              "bridge": {
                "IPAMConfig": null,
                "Links": null,
                "Aliases": null,
                "NetworkID": "f10e899b11077c20230d21621f9df96fa3c8555531a5e5fb5426d326dfc2f165",
                "EndpointID": "eb275a48b697b7471c6fe8d160a96f1a38b6cebb38063f49bc5478bef1c801f4",
                "Gateway": "172.17.0.1",
                "IPAddress": "172.17.0.3",
                "IPPrefixLen": 16,
                "IPv6Gateway": "",
                "GlobalIPv6Address": "",
                "GlobalIPv6PrefixLen": 0,
                "MacAddress": "02:42:ac:11:00:03",
                "DriverOpts": null
              },
              "frontend": {
                "IPAMConfig": {},
                "Links": [
                  "db:database"
                ],
                "Aliases": [
                  "api",
                  "17b5b6ae190c",
                  "17b5b6ae190ca84fdb414cecbec4c53ef25b5d94bd6036749a86c477d1ef28b4"
                ],
                "NetworkID": "96a490434622b5e1bb545d5383f67dcde095038d0d94301bf9376aabda27bfc2",
                "EndpointID": "5a1f3e9c2b7d48e6a0c4f8b2d6e1a3c5b7d9f0e2a4c6b8d0f1e3a5c7b9d2f4e6",
                "Gateway": "172.31.0.1",
                "IPAddress": "172.31.0.4",
                "IPPrefixLen": 16,
                "IPv6Gateway": "",
                "GlobalIPv6Address": "",
                "GlobalIPv6PrefixLen": 0,
                "MacAddress": "02:42:ac:1f:00:04",
                "DriverOpts": null
              }
            }
          }
        }
        """#

    /// The image `api` runs: ENTRYPOINT, CMD, USER, WORKDIR, STOPSIGNAL, two EXPOSEs, `VOLUME /var/lib/api`, a HEALTHCHECK, two labels.
    static let apiImage = #"""
        {
          "Id": "sha256:f9990a522bfda72168d765b3b86646b628f2cd1688f14dcdfcbc2efbeceb1ef8",
          "RepoTags": [
            "10.247.213.2:5000/molt-lab/api:1.0"
          ],
          "RepoDigests": [
            "10.247.213.2:5000/molt-lab/api@sha256:5b0e2c41d8a4c37aa0f3b8a1e9f3c6d27a7d5c9e1f04b6a8d2c3e4f5a6b7c8d9"
          ],
          "Parent": "",
          "Comment": "",
          "Created": "2026-11-20T09:14:02.118224961Z",
          "Container": "",
          "ContainerConfig": {
            "Hostname": "",
            "Domainname": "",
            "User": "",
            "Env": null,
            "Cmd": null,
            "Image": "",
            "Volumes": null,
            "WorkingDir": "",
            "Entrypoint": null,
            "OnBuild": null,
            "Labels": null
          },
          "DockerVersion": "20.10.24+dfsg1",
          "Author": "",
          "Config": {
            "Hostname": "",
            "Domainname": "",
            "User": "app",
            "AttachStdin": false,
            "AttachStdout": false,
            "AttachStderr": false,
            "ExposedPorts": {
              "80/tcp": {},
              "9090/tcp": {}
            },
            "Tty": false,
            "OpenStdin": false,
            "StdinOnce": false,
            "Env": [
              "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
              "APP_HOME=/srv/app",
              "LOG_LEVEL=info"
            ],
            "Cmd": [
              "--workers",
              "2"
            ],
            "Healthcheck": {
              "Test": [
                "CMD",
                "curl",
                "-fsS",
                "http://localhost/health"
              ],
              "Interval": 30000000000,
              "Timeout": 5000000000,
              "Retries": 3
            },
            "Image": "sha256:0d7c1b9f3a2e",
            "Volumes": {
              "/var/lib/api": {}
            },
            "WorkingDir": "/srv/app",
            "Entrypoint": [
              "/usr/local/bin/api"
            ],
            "OnBuild": null,
            "Labels": {
              "maintainer": "ops@example.com",
              "org.opencontainers.image.version": "1.0"
            },
            "StopSignal": "SIGQUIT"
          },
          "Architecture": "amd64",
          "Os": "linux",
          "Size": 48213377,
          "VirtualSize": 48213377,
          "GraphDriver": {
            "Data": {},
            "Name": "overlay2"
          },
          "RootFS": {
            "Type": "layers",
            "Layers": [
              "sha256:6024f404fbbaffe20dc60079dcf1bbab9c34ed8f58c54dddf989ba8c26a8f537"
            ]
          },
          "Metadata": {
            "LastTagTime": "0001-01-01T00:00:00Z"
          }
        }
        """#
}
