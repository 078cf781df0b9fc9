"""关于恶意或损坏产物的中文消息：拒绝了什么、丢失了什么、适用了哪项限制。"""

MESSAGES = {
    "safety.pickle.unsafe": "{path}：未读取，该 pickle {detail}；读取它会执行代码",
    "safety.pickle.too_large": "{path}：未读取，该 pickle 过大（{detail}）",
    "safety.pickle.unreadable": "{path}：未读取（{detail}）",
    "safety.pickle.not_arguments": "{path}：未读取（不是 TrainingArguments 对象）",
    "safety.live.skipped": "跳过了 {count, plural, other {# 条}}字段类型错误的记录",
    "safety.live.no_records": "没有可读取的 step 记录（{count, plural, other {# 条}}记录的字段类型错误）",
    "safety.watch.deleted": "监视期间被删除（{seconds} 秒内没有重新出现）",
    "safety.tb.damaged": "{path}：文件已损坏，{records, plural, other {# 条}}记录校验失败，{bytes, plural, other {# 字节}}无法分帧；其中的数据点已丢失，之后的记录已读取",
}
