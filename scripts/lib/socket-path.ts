// socket.io's default path, named once (the registry, the clients, the environments use it).
export const SOCKET_IO_PATH = '/socket.io/';
