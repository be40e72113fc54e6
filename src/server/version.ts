/** The Redis version keyshard reports everywhere (INFO, HELLO, RDB aux fields). */
export const REDIS_VERSION = '7.0.15';
